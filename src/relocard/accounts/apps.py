from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relocard.accounts"
    label = "accounts"
