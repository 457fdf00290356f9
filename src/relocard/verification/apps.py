from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "relocard.verification"
    label = "verification"
