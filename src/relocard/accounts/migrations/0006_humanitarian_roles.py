from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_recovery_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[
                    ("applicant", "Applicant"),
                    ("consular_officer", "Consular officer"),
                    ("caseworker", "Caseworker"),
                    ("supervisor", "Supervisor"),
                    ("auditor", "Auditor"),
                    ("programme_admin", "Programme admin"),
                    ("verifier", "Verifier"),
                    ("humanitarian_officer", "Humanitarian officer"),
                    ("referrer", "Referrer for an accredited organisation"),
                ],
                default="applicant",
                max_length=32,
                verbose_name="role",
            ),
        ),
    ]
