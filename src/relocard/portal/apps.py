from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "relocard.portal"
    label = "portal"
