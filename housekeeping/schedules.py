"""Each active rule set runs on its own django-q2 cron schedule, created, changed and removed
with the rule set (signals below)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.schedules import delete_schedule, sync_cron_schedule

from .models import RuleSet

TASK = "housekeeping.tasks.run_rule_set"


def schedule_name(rule_set_id: int) -> str:
    return f"housekeeping: rule set {rule_set_id}"


def sync_schedule(rule_set: RuleSet) -> None:
    """Create, correct or delete the rule set's schedule: one cron schedule while it is active
    and its cron is valid; none otherwise."""
    sync_cron_schedule(
        schedule_name(rule_set.pk), TASK, (rule_set.pk,), rule_set.schedule, rule_set.is_active
    )


@receiver(post_save, sender=RuleSet, dispatch_uid="housekeeping.schedules.saved")
def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        sync_schedule(instance)


@receiver(post_delete, sender=RuleSet, dispatch_uid="housekeeping.schedules.deleted")
def _deleted(sender, instance, **kwargs):
    delete_schedule(schedule_name(instance.pk))
