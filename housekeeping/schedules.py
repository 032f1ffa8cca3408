"""Each active rule set runs on its own django-q2 cron schedule, created, changed and removed
with the rule set (signals below)."""

from __future__ import annotations

import datetime as dt

from croniter import croniter
from django.core.exceptions import ValidationError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import RuleSet

TASK = "housekeeping.tasks.run_rule_set"


def validate_cron(expression: str) -> str:
    """A 5-field cron expression, stripped; raises ValidationError with the reason."""
    expression = " ".join(str(expression or "").split())
    if len(expression.split(" ")) != 5 or not croniter.is_valid(expression):
        raise ValidationError(
            f"{expression!r} is not a 5-field cron expression (minute hour day month weekday), "
            "e.g. '0 3 * * *' for every day at 03:00."
        )
    return expression


def schedule_name(rule_set_id: int) -> str:
    return f"housekeeping: rule set {rule_set_id}"


def sync_schedule(rule_set: RuleSet) -> None:
    """Create, correct or delete the rule set's schedule: one cron schedule while it is active
    and its cron is valid; none otherwise."""
    from django_q.models import Schedule

    name = schedule_name(rule_set.pk)
    try:
        cron = validate_cron(rule_set.schedule)
    except ValidationError:
        cron = None
    if not rule_set.is_active or cron is None:
        Schedule.objects.filter(name=name).delete()
        return
    schedule = Schedule.objects.filter(name=name).first()
    if schedule and schedule.cron == cron and schedule.func == TASK:
        return
    if schedule:
        schedule.delete()  # django-q2 computes next_run on create: a new row for a new cron
    # django-q2 would run a new schedule at once (next_run defaults to now): first run at the
    # cron's next time instead.
    first_run = croniter(cron, timezone.localtime()).get_next(dt.datetime)
    Schedule.objects.create(
        name=name,
        next_run=first_run,
        func=TASK,
        args=repr(rule_set.pk),
        schedule_type=Schedule.CRON,
        cron=cron,
        repeats=-1,
    )


@receiver(post_save, sender=RuleSet, dispatch_uid="housekeeping.schedules.saved")
def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        sync_schedule(instance)


@receiver(post_delete, sender=RuleSet, dispatch_uid="housekeeping.schedules.deleted")
def _deleted(sender, instance, **kwargs):
    from django_q.models import Schedule

    Schedule.objects.filter(name=schedule_name(instance.pk)).delete()
