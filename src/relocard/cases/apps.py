from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "relocard.cases"
    label = "cases"
