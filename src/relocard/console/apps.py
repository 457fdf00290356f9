from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "relocard.console"
    label = "console"
