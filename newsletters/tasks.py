"""django-q2 tasks of the newsletters."""

from __future__ import annotations

from .models import Newsletter
from .send import run_newsletter


def send_scheduled_newsletter(newsletter_id: int) -> str:
    """Task of a newsletter's cron schedule (``newsletters.schedules``): one ``on_cron`` run of
    newsletter ``newsletter_id`` when it still exists and is active. Returns the run's message
    (django-q2 keeps it with the task)."""
    newsletter = Newsletter.objects.filter(pk=newsletter_id, active=True).first()
    if newsletter is None:
        return f"Newsletter {newsletter_id} is gone or inactive: nothing sent."
    return run_newsletter(newsletter, "on_cron").message
