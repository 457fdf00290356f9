"""Database triggers that keep the audit log append-only, on SQLite and PostgreSQL.

Events and blocks refuse UPDATE and DELETE, with one exception: the sealer may set the block
of an event that has none, changing nothing else. The hash chain makes any other change
detectable anyway; these triggers stop accidental changes at the source.

The test suite must empty tables between tests, so each trigger has one switch that only the
test settings turn on: a per-connection SQL function on SQLite (registered in
``relocard.audit.apps``) and the ``relocard.audit_purge`` setting on PostgreSQL.
"""

from django.db import migrations

_SEALING = """OLD.block_id IS NULL AND NEW.block_id IS NOT NULL AND NEW.id = OLD.id
       AND NEW.hash IS OLD.hash AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id
       AND NEW.actor_label IS OLD.actor_label AND NEW.action IS OLD.action
       AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id
       AND NEW.member_state IS OLD.member_state AND NEW.data IS OLD.data"""

SQLITE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       WHEN relocard_audit_locked() AND NOT ({_SEALING})
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN relocard_audit_locked()
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER audit_block_no_update BEFORE UPDATE ON audit_auditblock
       WHEN relocard_audit_locked()
       BEGIN SELECT RAISE(ABORT, 'audit blocks are append-only'); END;""",
    """CREATE TRIGGER audit_block_no_delete BEFORE DELETE ON audit_auditblock
       WHEN relocard_audit_locked()
       BEGIN SELECT RAISE(ABORT, 'audit blocks are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER audit_event_no_update;",
    "DROP TRIGGER audit_event_no_delete;",
    "DROP TRIGGER audit_block_no_update;",
    "DROP TRIGGER audit_block_no_delete;",
]
POSTGRES = [
    """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF coalesce(current_setting('relocard.audit_purge', true), '') = 'on' THEN
           IF TG_OP = 'UPDATE' THEN RETURN NEW; END IF;
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NULL;
         END IF;
         IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_auditevent'
            AND OLD.block_id IS NULL AND NEW.block_id IS NOT NULL
            AND (OLD.id, OLD.at, OLD.actor_id, OLD.actor_label, OLD.action, OLD.object_type,
                 OLD.object_id, OLD.member_state, OLD.data, OLD.hash)
                IS NOT DISTINCT FROM
                (NEW.id, NEW.at, NEW.actor_id, NEW.actor_label, NEW.action, NEW.object_type,
                 NEW.object_id, NEW.member_state, NEW.data, NEW.hash) THEN
           RETURN NEW;  -- the sealer puts an unsealed event into its block
         END IF;
         RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
       END; $$;""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_append_only();""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();""",
    """CREATE TRIGGER audit_block_no_change BEFORE UPDATE OR DELETE ON audit_auditblock
       FOR EACH ROW EXECUTE FUNCTION audit_append_only();""",
    """CREATE TRIGGER audit_block_no_truncate BEFORE TRUNCATE ON audit_auditblock
       FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_block_no_truncate ON audit_auditblock;",
    "DROP TRIGGER audit_block_no_change ON audit_auditblock;",
    "DROP TRIGGER audit_event_no_truncate ON audit_auditevent;",
    "DROP TRIGGER audit_event_no_change ON audit_auditevent;",
    "DROP FUNCTION audit_append_only();",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)  # no placeholders: keep PL/pgSQL's % as is


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
