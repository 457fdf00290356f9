"""Greek dates with the month in the genitive ("21 Ιανουαρίου 2027"), a 24-hour clock (as
Cypriot and Greek administrations write times) and the week starting on Monday; Django's own
Greek formats print dates as numbers only and times with a 12-hour clock."""

DATE_FORMAT = "j E Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j E"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
