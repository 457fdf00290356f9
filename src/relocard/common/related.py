"""Which of a row's reverse relations hold any row at all, in one query.

A case page shows a dozen kinds of related record (corrections, appeals, transfers, the
mission's biometrics, fees, visas, ...), and most cases have none of most kinds: an online case
has no mission record, few cases are appealed. Reading each kind costs a query (about 1 ms with
the ORM's compilation), so the page asks once which kinds exist and reads only those.

The probe is deliberately coarse: it asks whether the related table holds *any* row pointing
at the object, whatever the reading query filters on (a cycle, a status). So it can only say
"certainly nothing"; every kind it reports present is read exactly as before, by the same
selector. A page that skips a read on its answer therefore shows the same as one that does
not. The tables and columns come from the models' metadata (no hand-written names), and the
relation must be a reverse foreign key of the object's model, else ``FieldDoesNotExist`` or
``TypeError`` says which.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import ManyToOneRel, Model

__all__ = ["present"]


def present(instance: Model, relations: Iterable[str]) -> dict[str, bool]:
    """{relation name: whether any row of it points at ``instance``}, in one query.

    ``relations`` are reverse foreign-key accessor names of ``instance``'s model (the
    ``related_name``s, e.g. ``"corrections"``). Hand-written SQL on purpose: the ORM's
    ``Exists`` annotations would cost about as much to compile as the queries they save.
    """
    names = list(dict.fromkeys(relations))
    if not names:
        return {}
    meta = type(instance)._meta
    connection = connections[router.db_for_read(type(instance))]
    quote = connection.ops.quote_name
    parts, params = [], []
    for name in names:
        rel = meta.get_field(name)
        if not isinstance(rel, ManyToOneRel) or rel.multiple is False:
            raise TypeError(f"{meta.label}.{name} is not a reverse foreign key")
        # Names from the models' metadata, quoted; the value is bound.
        table, column = quote(rel.related_model._meta.db_table), quote(rel.field.column)
        parts.append(f"EXISTS (SELECT 1 FROM {table} WHERE {column} = %s)")  # noqa: S608
        params.append(getattr(instance, rel.field.target_field.attname))
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: bool(value) for name, value in zip(names, row, strict=True)}
