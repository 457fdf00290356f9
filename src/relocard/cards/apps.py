from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "relocard.cards"
    label = "cards"

    def ready(self) -> None:
        # Local import: Django loads apps.py before the app registry is ready, and these
        # modules import models.
        from relocard.cards import receivers, signals
        from relocard.cards.compliance.explain import holder_advice
        from relocard.cards.models import ComplianceRun
        from relocard.cards.selectors import compliance_by_user
        from relocard.common.notifications import Details, register_details

        signals.holders_to_notify.connect(
            receivers.notify_holders, sender=ComplianceRun, dispatch_uid="cards.notify_holders"
        )
        # The holder's e-mail after the nightly run says what changed and what to do.
        register_details(
            "compliance_changed", Details(load=compliance_by_user, lines=holder_advice)
        )
