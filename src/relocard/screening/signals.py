"""Signals of the screening app (sent inside the transaction of the change)."""

from __future__ import annotations

from django.dispatch import Signal

#: A new list version was stored (``version``); the worker re-screens everyone against it.
list_version_loaded = Signal()
