"""Russian dates without the trailing "г." of Django's defaults ("21 января 2027").

Sentences often end on a date ("Вы можете обжаловать решение до 21 января 2027."): with
"г." they would end in two full stops. Every other Russian format is Django's.
"""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
