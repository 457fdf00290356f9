"""Reference data: the 27 member states and whether the programme runs in each."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocard.common import names
from relocard.core import eu


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
        return names.member_state_name(self)

    # "Today" and every date-only validity are calendar days of the member state. The zone
    # comes from the core table (relocard.core.eu), which the offline verifier also reads, so
    # that a card's dates mean the same instants to its issuer and to every verifier (a test
    # checks that the rows' ``timezone`` column agrees with it).

    @property
    def zone(self) -> ZoneInfo:
        return eu.member_state_zone(self.code)

    def today(self) -> date:
        """Today's date in this member state: deadlines and card dates are local days."""
        return eu.local_date(self.code, timezone.now())

    def local_date(self, instant: datetime) -> date:
        """The date in this member state at an aware ``instant``."""
        return eu.local_date(self.code, instant)

    def day_start(self, day: date) -> datetime:
        """00:00 of ``day`` in this member state (aware)."""
        return eu.day_start(self.code, day)
