"""The 27 member states: code, English and Russian names, and the capital's time zone.

Used by the data migration and by the core's country lists. Greece's ISO code is GR (the EU's
own abbreviation EL is not used here).
"""

EU27 = [
    ("AT", "Austria", "Австрия", "Europe/Vienna"),
    ("BE", "Belgium", "Бельгия", "Europe/Brussels"),
    ("BG", "Bulgaria", "Болгария", "Europe/Sofia"),
    ("HR", "Croatia", "Хорватия", "Europe/Zagreb"),
    ("CY", "Cyprus", "Кипр", "Asia/Nicosia"),
    ("CZ", "Czechia", "Чехия", "Europe/Prague"),
    ("DK", "Denmark", "Дания", "Europe/Copenhagen"),
    ("EE", "Estonia", "Эстония", "Europe/Tallinn"),
    ("FI", "Finland", "Финляндия", "Europe/Helsinki"),
    ("FR", "France", "Франция", "Europe/Paris"),
    ("DE", "Germany", "Германия", "Europe/Berlin"),
    ("GR", "Greece", "Греция", "Europe/Athens"),
    ("HU", "Hungary", "Венгрия", "Europe/Budapest"),
    ("IE", "Ireland", "Ирландия", "Europe/Dublin"),
    ("IT", "Italy", "Италия", "Europe/Rome"),
    ("LV", "Latvia", "Латвия", "Europe/Riga"),
    ("LT", "Lithuania", "Литва", "Europe/Vilnius"),
    ("LU", "Luxembourg", "Люксембург", "Europe/Luxembourg"),
    ("MT", "Malta", "Мальта", "Europe/Malta"),
    ("NL", "Netherlands", "Нидерланды", "Europe/Amsterdam"),
    ("PL", "Poland", "Польша", "Europe/Warsaw"),
    ("PT", "Portugal", "Португалия", "Europe/Lisbon"),
    ("RO", "Romania", "Румыния", "Europe/Bucharest"),
    ("SK", "Slovakia", "Словакия", "Europe/Bratislava"),
    ("SI", "Slovenia", "Словения", "Europe/Ljubljana"),
    ("ES", "Spain", "Испания", "Europe/Madrid"),
    ("SE", "Sweden", "Швеция", "Europe/Stockholm"),
]

#: Where the programme starts: the four countries of the survey behind the proposal.
PROGRAMME_LAUNCH = ("FR", "DE", "PL", "CY")
