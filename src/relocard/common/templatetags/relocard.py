"""Template helpers: the explanation in the reader's language, member-state names."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def in_language(texts):
    """Pick the current language's text from {"en": ..., "ru": ...} (English if missing)."""
    if not isinstance(texts, dict):
        return texts
    lang = (get_language() or "en")[:2]
    return texts.get(lang) or texts.get("en") or ""


@register.filter
def member_state_name(member_state):
    lang = (get_language() or "en")[:2]
    return member_state.name_ru if lang == "ru" else member_state.name_en


@register.filter
def criterion_label(criterion_id):
    """A rules criterion's name in the reader's language (falls back to the id)."""
    from relocard.cases.selectors import CRITERIA_LABELS

    label = CRITERIA_LABELS.get(criterion_id)
    return str(label) if label is not None else criterion_id
