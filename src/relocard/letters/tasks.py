"""Background work of decision letters: render and seal one letter, retried until it exists.

The task is enqueued in the decision's transaction (its row commits with the decision). A
failure is recorded on the letter (``attempts``, ``last_error``) and the task enqueued again
after 1, 2, 4 ... minutes, at most an hour apart; ``relocard letters render`` retries every
pending letter at once (e.g. after fixing a missing font or key).
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from relocard.letters.services import letter_failed, letter_issue

MAX_DELAY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_DELAY)


@task
def render_letter(letter_id: int) -> None:
    try:
        letter_issue(letter_id=letter_id)
    except Exception as exc:
        letter = letter_failed(letter_id=letter_id, error=f"{type(exc).__name__}: {exc}")
        # The immediate backend of the tests cannot run a task later: the failure stays
        # recorded and `relocard letters render` retries it.
        with contextlib.suppress(Exception):
            if render_letter.get_backend().supports_defer:
                render_letter.using(
                    run_after=timezone.now() + retry_delay(letter.attempts)
                ).enqueue(letter_id)
