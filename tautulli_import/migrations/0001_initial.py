"""TautulliImport moves from the core app to this one: the state only, its table keeps its name
(``core_tautulliimport``) and its rows; the content type (and so the permissions) follows."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor, old_label="core", new_label="tautulli_import"):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.using(schema_editor.connection.alias).filter(app_label=new_label, model="tautulliimport").exists():
        content_types.objects.using(schema_editor.connection.alias).filter(app_label=old_label, model="tautulliimport").update(
            app_label=new_label
        )


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old_label="tautulli_import", new_label="core")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0003_monitoring_settings"),
        ("plex", "0006_library_media_schedule"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TautulliImport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("id_offsets", models.JSONField(blank=True, default=dict)),
                        ("source_path", models.TextField()),
                        (
                            "source_version",
                            models.CharField(
                                blank=True,
                                help_text="Tautulli's version_info 'version', e.g. v2.17.2",
                                max_length=32,
                            ),
                        ),
                        ("last_imported_at", models.DateTimeField(auto_now=True)),
                        (
                            "last_counts",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="Rows added per source table by the last run.",
                            ),
                        ),
                        (
                            "server",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="import_source",
                                to="plex.server",
                            ),
                        ),
                    ],
                    options={"db_table": "core_tautulliimport"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
