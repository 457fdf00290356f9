from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "relocard.reference"
    label = "reference"
