from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "relocard.common"
    label = "common"
