from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "relocard.cards"
    label = "cards"
