"""Template helpers: the explanation in the reader's language, member-state names."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from relocard.common import names
from relocard.core import rules

register = template.Library()


@register.filter
def in_language(texts):
    """A stored text in the current language: {"en": ..., "ru": ..., "message": ...} as the
    rules store explanations (rendered from the message in any other language; English for
    rows stored before messages were), or a plain {"en": ..., "fr": ...} mapping."""
    if not isinstance(texts, dict):
        return texts
    return rules.explanation_text(texts, get_language() or "en")


@register.filter
def title_in_language(item):
    """``item.title_in(language)`` in the current language: a policy's category or reason
    code, English where the policy gives no title in that language."""
    return item.title_in(get_language() or "en")


@register.filter
def core_text(message):
    """A core message (:class:`relocard.core.i18n.Msg`) in the reader's language."""
    return message.render(get_language() or "en")


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def member_state_name(member_state):
    return names.member_state_name(member_state)


@register.filter
def country_name(code):
    """A country's name in the reader's language from its ISO code (CLDR data, via Babel)."""
    return names.country_name(code)


@register.filter
def criterion_label(criterion_id):
    """A rules criterion's title in the reader's language (falls back to the id)."""
    if criterion_id == "security_screening":  # the screening's ground (relocard.screening)
        return _("Security screening")
    criterion = rules.CRITERIA.get(criterion_id)
    if criterion is None:
        return criterion_id
    return criterion.title.render(get_language() or "en")


RESULT_LABELS = {
    "met": _("Met"),
    "not_met": _("Not met"),
    "unknown": _("Not yet known"),
    "eligible": _("All criteria met"),
    "not_eligible": _("Some criteria not met"),
    "undetermined": _("Not yet decidable"),
    "exception": _("Accepted by exception"),
    "approved_with_exception": _("Approved with a recorded exception"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
}


@register.filter
def result_label(result):
    return RESULT_LABELS.get(result, result)


@register.filter
def card_number(number):
    """A card number in groups that never break inside ("FR-7K3MX-..."): on a narrow screen
    it wraps between groups, not letter by letter."""
    groups = str(number or "").split("-")
    inner = format_html_join(
        mark_safe("-<wbr>"), '<span class="nowrap">{}</span>', ((g,) for g in groups)
    )
    return format_html('<span class="card-number-groups">{}</span>', inner)
