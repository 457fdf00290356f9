from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "relocard.ops"
    label = "ops"
    verbose_name = "Operations"
