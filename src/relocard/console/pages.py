"""A page of a long list whose cost does not grow with the list: the caseworkers' queue.

Django's :class:`~django.core.paginator.Paginator` counts every matching row on each request
(``SELECT COUNT(*)``): for the open cases of a large member state that is tens of thousands of
index entries, the one part of the queue page that grew with the programme. A
:class:`CappedPage` counts at most :data:`COUNT_CAP` + 1 rows (``COUNT(*)`` over a ``LIMIT``ed
subquery): up to the cap the total is exact, above it the page says "more than 1,000 cases",
never an estimate. The page itself is read in the index's order with ``OFFSET``, one row more
than it shows to know whether a next page exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

#: The queue counts its cases exactly up to this number.
COUNT_CAP = 1000


@dataclass(frozen=True, slots=True)
class CappedPage:
    number: int
    object_list: list
    has_next: bool
    total: int | None  # exact, or None when more than ``cap``
    cap: int
    size: int

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the total is known."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.size))


def _number(value) -> int:
    """The page asked for: a positive whole number, else the first page (as Django's
    ``Paginator.get_page`` treats a bad page)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def capped_page(rows: QuerySet, page, *, size: int = 50, cap: int | None = None) -> CappedPage:
    """Page ``page`` of the ordered ``rows``, in two queries (the bounded count, the page).

    A page past the end shows the last page, as Django's ``get_page`` does; when the total is
    above the cap, finding the last page takes an exact count (only for that request)."""
    cap = COUNT_CAP if cap is None else cap
    number = _number(page)
    counted = rows.order_by()[: cap + 1].count()
    total = counted if counted <= cap else None
    if total is not None:
        number = min(number, max(1, -(-total // size)))
    start = (number - 1) * size
    found = list(rows[start : start + size + 1])
    if not found and number > 1:  # past the end of a list above the cap
        total = rows.count()
        number = max(1, -(-total // size))
        start = (number - 1) * size
        found = list(rows[start : start + size + 1])
        total = total if total <= cap else None
    return CappedPage(
        number=number,
        object_list=found[:size],
        has_next=len(found) > size,
        total=total,
        cap=cap,
        size=size,
    )
