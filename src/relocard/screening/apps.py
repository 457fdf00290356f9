from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "relocard.screening"
    verbose_name = _("Security screening")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Local import: the blockers and receivers need the app registry ready.
        from relocard.screening import blockers, receivers  # noqa: F401
