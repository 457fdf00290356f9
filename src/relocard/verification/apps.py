from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "relocard.verification"
    label = "verification"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        # Local import: Django loads apps.py before the app registry is ready; these modules import models.
        from relocard.cards.models import Card
        from relocard.verification.services import forget_lists

        # Cache invalidation only: a card's status change must reach the next QR check.
        post_save.connect(forget_lists, sender=Card, dispatch_uid="verification.forget_lists")
