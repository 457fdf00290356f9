from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "relocard.audit"
    label = "audit"
