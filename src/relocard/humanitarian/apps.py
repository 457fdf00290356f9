from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HumanitarianConfig(AppConfig):
    name = "relocard.humanitarian"
    verbose_name = _("Humanitarian visas")
    default_auto_field = "django.db.models.BigAutoField"
