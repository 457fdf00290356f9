"""Reference data: the 27 member states and whether the programme runs in each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class MemberState(models.Model):
    code = models.CharField(
        _("code"), max_length=2, primary_key=True, help_text=_("ISO 3166-1 alpha-2")
    )
    name_en = models.CharField(_("name (English)"), max_length=64)
    name_ru = models.CharField(_("name (Russian)"), max_length=64)
    timezone = models.CharField(_("time zone"), max_length=64)
    programme_enabled = models.BooleanField(_("programme enabled"), default=False)
    decision_days = models.PositiveSmallIntegerField(
        _("decision deadline (days)"),
        default=90,
        help_text=_("Days from submission to decision, paused during corrections."),
    )
    appeal_days = models.PositiveSmallIntegerField(_("appeal deadline (days)"), default=30)

    class Meta:
        ordering = ["code"]
        verbose_name = _("member state")
        verbose_name_plural = _("member states")

    def __str__(self) -> str:
        """The name in the reader's language (pages show member states by name)."""
        return self.name_ru if (get_language() or "en").startswith("ru") else self.name_en
