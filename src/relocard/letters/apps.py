from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "relocard.letters"
    label = "letters"

    def ready(self) -> None:
        # Local import: Django loads apps.py before the app registry is ready, and these
        # modules import models.
        from relocard.cases.signals import decision_taken
        from relocard.letters import receivers

        decision_taken.connect(receivers.letter_for_decision, dispatch_uid="letters.decision")
