"""Add the 12-hour "Refresh library media" schedule (the inventory library growth reads)."""

from django.db import migrations


def create_schedules(apps, schema_editor):
    from plex.tasks import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="Refresh library media").delete()


class Migration(migrations.Migration):
    dependencies = [("plex", "0005_pending_recently_added")]

    operations = [migrations.RunPython(create_schedules, remove_schedule)]
