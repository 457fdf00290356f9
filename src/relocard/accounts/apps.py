from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relocard.accounts"
    label = "accounts"

    def ready(self) -> None:
        from relocard.accounts import signals  # noqa: F401 (connects the receivers)
