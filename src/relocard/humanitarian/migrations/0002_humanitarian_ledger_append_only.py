"""Database triggers that keep the public ledger's records append-only (SQLite, PostgreSQL).

They use the audit log's switch (``relocard.audit.migrations.0002_append_only``): on SQLite
the per-connection function ``relocard_audit_locked()``, on PostgreSQL the setting
``relocard.audit_purge``, which only the test settings turn on (to empty tables between
tests). The hash chain makes any change detectable; these triggers stop it at the source.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER humanitarian_ledger_no_update BEFORE UPDATE ON humanitarian_ledgerrecord
       WHEN relocard_audit_locked()
       BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;""",
    """CREATE TRIGGER humanitarian_ledger_no_delete BEFORE DELETE ON humanitarian_ledgerrecord
       WHEN relocard_audit_locked()
       BEGIN SELECT RAISE(ABORT, 'ledger records are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER humanitarian_ledger_no_update;",
    "DROP TRIGGER humanitarian_ledger_no_delete;",
]
POSTGRES = [
    """CREATE FUNCTION humanitarian_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF coalesce(current_setting('relocard.audit_purge', true), '') = 'on' THEN
           IF TG_OP = 'UPDATE' THEN RETURN NEW; END IF;
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NULL;
         END IF;
         RAISE EXCEPTION 'ledger records are append-only';
       END; $$;""",
    """CREATE TRIGGER humanitarian_ledger_no_change BEFORE UPDATE OR DELETE
       ON humanitarian_ledgerrecord FOR EACH ROW EXECUTE FUNCTION humanitarian_ledger_append_only();""",
    """CREATE TRIGGER humanitarian_ledger_no_truncate BEFORE TRUNCATE
       ON humanitarian_ledgerrecord FOR EACH STATEMENT EXECUTE FUNCTION humanitarian_ledger_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER humanitarian_ledger_no_truncate ON humanitarian_ledgerrecord;",
    "DROP TRIGGER humanitarian_ledger_no_change ON humanitarian_ledgerrecord;",
    "DROP FUNCTION humanitarian_ledger_append_only();",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("humanitarian", "0001_humanitarian_initial"),
        ("audit", "0002_append_only"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
