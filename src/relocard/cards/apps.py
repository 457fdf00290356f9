from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "relocard.cards"
    label = "cards"

    def ready(self) -> None:
        # Imported here, not at the top: Django loads apps.py before the app registry is ready,
        # and the receivers reach models through the notifications module.
        from relocard.cards import receivers, signals
        from relocard.cards.models import ComplianceRun

        signals.holders_to_notify.connect(
            receivers.notify_holders, sender=ComplianceRun, dispatch_uid="cards.notify_holders"
        )
