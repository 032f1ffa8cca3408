"""Add the hourly "Announce due deletion candidates" schedule
(:func:`housekeeping.notify.announce_due_candidates`)."""

from django.db import migrations

SCHEDULES = {  # frozen: name → (task, interval in minutes), as of this migration
    "Announce due deletion candidates": ("housekeeping.notify.announce_due_candidates", 60),
}


def create_schedules(apps, schema_editor):
    schedule_model = apps.get_model("django_q", "Schedule")
    for name, (func, minutes) in SCHEDULES.items():
        schedule_model.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1},
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    # The lead orders this after the services' 0002 on merge.
    dependencies = [("housekeeping", "0001_initial"), ("django_q", "0018_task_success_index")]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
