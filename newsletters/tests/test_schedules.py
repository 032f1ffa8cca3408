"""Each active newsletter has its django-q2 cron schedule, following the newsletter."""

import datetime as dt

import pytest
from django_q.models import Schedule
from model_bakery import baker

from newsletters.models import Newsletter
from newsletters.schedules import TASK, schedule_name, sync_all

pytestmark = pytest.mark.django_db


def make(**fields) -> Newsletter:
    return baker.make(Newsletter, id_name="weekly", **{"cron": "0 0 * * 0", **fields})


def test_an_active_newsletter_runs_at_its_crons_next_time():
    newsletter = make(active=True, cron="0 9 * * 1")
    schedule = Schedule.objects.get(name=schedule_name(newsletter.pk))
    assert (schedule.func, schedule.cron, schedule.args) == (TASK, "0 9 * * 1", repr(newsletter.pk))
    assert schedule.schedule_type == Schedule.CRON
    # The frozen clock is Sunday 2026-11-22 10:30 UTC: the next Monday 09:00, not now.
    assert schedule.next_run == dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert schedule_name(newsletter.pk) == f"newsletter: {newsletter.pk}"


def test_tautullis_default_cron_is_sunday_midnight():
    newsletter = make(active=True)
    schedule = Schedule.objects.get(name=schedule_name(newsletter.pk))
    assert schedule.next_run == dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)


def test_a_cron_change_reschedules():
    newsletter = make(active=True, cron="0 9 * * 1")
    newsletter.cron = "30 18 * * *"
    newsletter.save()
    schedule = Schedule.objects.get(name=schedule_name(newsletter.pk))
    assert schedule.cron == "30 18 * * *"
    assert schedule.next_run == dt.datetime(2026, 11, 22, 18, 30, tzinfo=dt.UTC)
    assert Schedule.objects.filter(func=TASK).count() == 1


def test_inactive_or_deleted_newsletters_have_no_schedule():
    newsletter = make(active=True)
    newsletter.active = False
    newsletter.save()
    assert not Schedule.objects.filter(name=schedule_name(newsletter.pk)).exists()
    newsletter.active = True
    newsletter.save()
    assert Schedule.objects.filter(name=schedule_name(newsletter.pk)).exists()
    newsletter.delete()
    assert not Schedule.objects.filter(func=TASK).exists()
    make(active=False)
    assert not Schedule.objects.filter(func=TASK).exists()


def test_a_bad_stored_cron_gets_no_schedule():
    newsletter = make(active=True, cron="every sunday")
    assert not Schedule.objects.filter(name=schedule_name(newsletter.pk)).exists()


def test_sync_all_repairs_rows_written_without_signals():
    Newsletter.objects.bulk_create(
        [
            Newsletter(id_name="a", cron="0 8 * * *", active=True),
            Newsletter(id_name="b", cron="0 8 * * *", active=False),
        ]
    )
    Schedule.objects.create(name="newsletter: 999", func=TASK, args="999", cron="0 1 * * *")
    assert sync_all() == 1
    active = Newsletter.objects.get(id_name="a")
    assert list(Schedule.objects.filter(func=TASK).values_list("name", flat=True)) == [
        schedule_name(active.pk)
    ]


def test_an_imported_tautulli_newsletter_is_scheduled(imported_tautulli):
    imported_tautulli(history_rows=50, users=3, days=30)
    newsletter = Newsletter.objects.get(id_name="weekly-recently-added")
    assert newsletter.active and newsletter.cron == "0 0 * * 0"
    schedule = Schedule.objects.get(name=schedule_name(newsletter.pk))
    assert schedule.next_run == dt.datetime(2026, 11, 29, 0, 0, tzinfo=dt.UTC)
