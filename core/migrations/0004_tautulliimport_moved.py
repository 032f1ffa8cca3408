"""TautulliImport now belongs to the tautulli_import app (its migration 0001 takes over the
state; the table and its rows stay as they are)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_monitoring_settings"),
        ("tautulli_import", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="TautulliImport")],
            database_operations=[],
        ),
    ]
