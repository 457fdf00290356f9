from __future__ import annotations

from datetime import timedelta

import pytest

from relocard.cards.models import Card
from relocard.cases.services import local_today


@pytest.fixture
def holder_near_expiry(make_case):
    """An approved FR case whose card expires in 30 days (inside the renewal window)."""

    def make(days_left: int = 30, **kwargs):
        app = make_case("approved", **kwargs)
        card = app.cards.get()
        end = local_today(app.member_state) + timedelta(days=days_left)
        Card.objects.filter(pk=card.pk).update(
            valid_from=end - timedelta(days=364), valid_until=end
        )
        card.refresh_from_db()
        return app, card

    return make
