from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_guard(sender, connection, **kwargs):
    """Give every SQLite connection the function the append-only triggers consult."""
    if connection.vendor != "sqlite":
        return
    from django.conf import settings

    locked = 0 if getattr(settings, "RELOCARD_AUDIT_PURGE_ALLOWED", False) else 1
    connection.connection.create_function("relocard_audit_locked", 0, lambda: locked)


class AuditConfig(AppConfig):
    name = "relocard.audit"
    label = "audit"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_guard, dispatch_uid="relocard_audit_guard")
