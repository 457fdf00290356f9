from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relocard.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Local import: Django loads apps.py before the app registry is ready; the receivers import models.
        from relocard.accounts import signals  # noqa: F401 (connects the receivers)
