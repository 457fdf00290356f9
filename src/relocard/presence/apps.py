from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "relocard.presence"
    label = "presence"
