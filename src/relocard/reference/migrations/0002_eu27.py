from django.db import migrations


def load(apps, schema_editor):
    from relocard.reference.eu27 import EU27, PROGRAMME_LAUNCH

    MemberState = apps.get_model("reference", "MemberState")
    for code, en, ru, tz in EU27:
        MemberState.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_ru": ru,
                "timezone": tz,
                "programme_enabled": code in PROGRAMME_LAUNCH,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
