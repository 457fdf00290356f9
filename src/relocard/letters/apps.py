from django.apps import AppConfig
from django.core import checks


def check_letter_task_backend(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every decision enqueues its letter's rendering on ``RELOCARD_LETTER_TASK_BACKEND``: a
    backend missing from ``TASKS`` would refuse every decision (fail closed); say so at start."""
    from django.conf import settings

    alias = getattr(settings, "RELOCARD_LETTER_TASK_BACKEND", None)
    if alias in settings.TASKS:
        return []
    return [
        checks.Error(
            f"RELOCARD_LETTER_TASK_BACKEND is {alias!r}, which is not a backend in TASKS "
            f"({', '.join(sorted(settings.TASKS)) or 'none'}).",
            hint="Name the worker's task backend (normally 'default'); decision letters are "
            "rendered there.",
            id="relocard.letters.E001",
        )
    ]


class LettersConfig(AppConfig):
    name = "relocard.letters"
    label = "letters"

    def ready(self) -> None:
        # Local import: Django loads apps.py before the app registry is ready, and these
        # modules import models.
        from relocard.cases.signals import decision_taken
        from relocard.letters import receivers

        decision_taken.connect(receivers.letter_for_decision, dispatch_uid="letters.decision")
        checks.register(check_letter_task_backend)
