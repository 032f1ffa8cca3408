"""Each active newsletter runs on its own django-q2 cron schedule (Tautulli's ``NEWSLETTER_SCHED``
job ``newsletter-<id>``, reference section 5), created, changed and removed with the newsletter
(signals below); :func:`sync_all` repairs them all (after a Tautulli import, whose rows are
written without signals)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.schedules import delete_schedule, sync_cron_schedule

from .models import Newsletter

TASK = "newsletters.tasks.send_scheduled_newsletter"


def schedule_name(newsletter_id: int) -> str:
    """The django-q2 schedule's name: ``"newsletter: <id>"``."""
    return f"newsletter: {newsletter_id}"


def sync_schedule(newsletter: Newsletter) -> None:
    """Create, correct or delete the newsletter's schedule: one cron schedule calling
    ``send_scheduled_newsletter(newsletter.pk)`` while it is active and its cron is valid (first
    run at the cron's next time, server local time); none otherwise."""
    sync_cron_schedule(
        schedule_name(newsletter.pk), TASK, (newsletter.pk,), newsletter.cron, newsletter.active
    )


def sync_all() -> int:
    """:func:`sync_schedule` for every newsletter, and no schedule left for a newsletter that
    no longer exists; returns how many newsletters are scheduled."""
    from django_q.models import Schedule

    newsletters = list(Newsletter.objects.all())
    for newsletter in newsletters:
        sync_schedule(newsletter)
    names = {schedule_name(n.pk) for n in newsletters}
    Schedule.objects.filter(func=TASK).exclude(name__in=names).delete()
    return Schedule.objects.filter(func=TASK).count()


@receiver(post_save, sender=Newsletter, dispatch_uid="newsletters.schedules.saved")
def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        sync_schedule(instance)


@receiver(post_delete, sender=Newsletter, dispatch_uid="newsletters.schedules.deleted")
def _deleted(sender, instance, **kwargs):
    delete_schedule(schedule_name(instance.pk))
