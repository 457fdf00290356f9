"""Receivers of :mod:`relocard.cards.signals`, connected in ``CardsConfig.ready``."""

from __future__ import annotations

from relocard.common.notifications import notify_many


def notify_holders(sender, *, event: str, recipients: list[tuple[int, str]], **kwargs) -> None:
    """Enqueue one batched e-mail task per 500 holders (in the sender's transaction)."""
    notify_many(recipients, event)
