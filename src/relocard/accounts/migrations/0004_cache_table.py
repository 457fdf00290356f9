"""Create the shared cache's table (Django's ``createcachetable``) as part of ``migrate``.

The default cache is a table in the database when Redis is not configured (see the settings),
so that rate limits and lockouts hold across server processes from the first ``migrate``.
``createcachetable`` is idempotent and creates nothing for a non-database cache.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_factorreset_sessionrecord")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
