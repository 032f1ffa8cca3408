"""Deletion candidates' notifications: the housekeeping signals through the notification
pipeline (django-q2 tasks from the database broker, Apprise to a loopback HTTP receiver),
their parameters and default texts, the due-soon announcement once per due date, and the
triggers beside Tautulli's 22 (which Tautulli's answers keep to themselves)."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django_q.models import Schedule

from core.events import Action
from core.housekeeping_events import action_finished, candidates_added
from housekeeping.models import ActionLog, Candidate
from housekeeping.notify import announce_due_candidates
from notifications.actions import HousekeepingAction
from notifications.housekeeping import size_text
from notifications.models import NotifierTrigger, NotifyLog
from notifications.notifiers import add_notifier, notifier_config, set_notifier_config
from notifications.testing import HttpReceiver, run_queued_tasks

from .test_api import NOW, build_candidates

pytestmark = pytest.mark.django_db(transaction=True)

APPRISE_AGENT = 100


@pytest.fixture
def http_receiver():
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def data():
    return build_candidates()


def apprise_notifier(receiver, *actions, **values):
    notifier = add_notifier(APPRISE_AGENT)
    form = {"apprise_urls": f"json://{receiver.host}:{receiver.port}/", **values}
    form.update({action: "1" for action in actions})
    return set_notifier_config(notifier, form)


def messages(receiver) -> list[tuple[str, str]]:
    return [(r.json()["title"], r.json()["message"]) for r in receiver.requests]


def test_candidates_added_notify_with_the_default_text(data, http_receiver):
    apprise_notifier(http_receiver, "on_candidates_added")
    with transaction.atomic():
        transaction.on_commit(
            lambda: candidates_added.send(
                sender=None,
                rule_set_id=data["movies_rule"].pk,
                candidate_ids=[data["big"].pk, data["alien"].pk],
            )
        )
    run_queued_tasks()
    assert messages(http_receiver) == [
        (
            "Deletion candidates: Old movies",
            "2 new deletion candidate(s) in Old movies (10.0 GB): Big Movie (2019), "
            "Alien (1979). Due 2026-11-24.",
        )
    ]
    log = NotifyLog.objects.get()
    assert (log.notify_action, log.success, log.server_id) == (
        "on_candidates_added",
        True,
        data["server"].pk,
    )


def test_every_parameter_renders(data, http_receiver):
    body = (
        "{title}|{media_type}|{size}|{size_bytes}|{rule_set}|{due_date}|{days_left}|"
        "{candidate_count}|{total_size}|{action}|{result}|{dry_run}|{server_name}|"
        "{library_name}"
    )
    apprise_notifier(http_receiver, "on_candidates_added", on_candidates_added_body=body)
    candidates_added.send(
        sender=None, rule_set_id=data["tv_rule"].pk, candidate_ids=[data["episode"].pk]
    )
    run_queued_tasks()
    assert messages(http_receiver)[0][1] == (
        "The Show - S01E01 - Episode 11|episode|1.0 GB|1073741824|Old TV|2026-11-27|5|1|"
        "1.0 GB|unmonitor||no|Home|TV Shows"
    )
    log = NotifyLog.objects.get()
    assert (log.rating_key, log.parent_rating_key, log.grandparent_rating_key) == (11, 10, 1)


def test_nothing_is_queued_without_a_notifier_on(data, http_receiver):
    apprise_notifier(http_receiver, "on_play")
    candidates_added.send(sender=None, rule_set_id=data["movies_rule"].pk, candidate_ids=[1])
    assert run_queued_tasks() == []
    assert not NotifyLog.objects.exists()


def test_due_soon_is_announced_once_per_due_date(data, http_receiver, clock):
    apprise_notifier(http_receiver, "on_candidates_due")
    announced = announce_due_candidates(days=3, now=NOW)
    # Big Movie (due in 2 days) and The Show (1 day); Zed is kept, the others later.
    assert announced == {
        data["movies_rule"].pk: [data["big"].pk],
        data["tv_rule"].pk: [data["show"].pk],
    }
    run_queued_tasks()
    assert sorted(messages(http_receiver)) == [
        (
            "Deletion in 1 day(s): Old TV",
            "1 item(s) of Old TV (4.0 GB) will be acted on in 1 day(s), on 2026-11-23: The Show.",
        ),
        (
            "Deletion in 2 day(s): Old movies",
            "1 item(s) of Old movies (8.0 GB) will be acted on in 2 day(s), on 2026-11-24: "
            "Big Movie (2019).",
        ),
    ]
    big = Candidate.objects.get(pk=data["big"].pk)
    assert big.notified_due_at == big.due_at
    assert announce_due_candidates(days=3, now=NOW + dt.timedelta(hours=1)) == {}
    # Postponed to a new due date inside the window: announced again, once.
    Candidate.objects.filter(pk=big.pk).update(due_at=big.due_at + dt.timedelta(hours=12))
    assert announce_due_candidates(days=3, now=NOW) == {data["movies_rule"].pk: [big.pk]}
    assert announce_due_candidates(days=3, now=NOW) == {}
    run_queued_tasks()
    assert NotifyLog.objects.filter(notify_action="on_candidates_due").count() == 3


def test_due_soon_skips_inactive_rule_sets_and_other_windows(data):
    data["tv_rule"].is_active = False
    data["tv_rule"].save()
    assert announce_due_candidates(days=1, now=NOW) == {}
    assert announce_due_candidates(days=10, now=NOW) == {
        data["movies_rule"].pk: [data["big"].pk, data["alien"].pk]
    }
    with pytest.raises(ValueError):
        announce_due_candidates(days=-1)


def test_the_announcement_runs_hourly():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("housekeeping.migrations.0002_due_announcement_schedule")
    migration.create_schedules(
        apps, connection.schema_editor()
    )  # transactional tests flush the migrated rows
    schedule = Schedule.objects.get(name="Announce due deletion candidates")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "housekeeping.notify.announce_due_candidates",
        "I",
        60,
    )


def audit(data, **fields):
    candidate = data["big"]
    return ActionLog.objects.create(
        rule_set=candidate.rule_set,
        rule_set_name="Old movies",
        candidate=candidate,
        server_id=data["server"].pk,
        rating_key=50,
        media_type="movie",
        title="Big Movie",
        action="delete",
        target="radarr:Radarr",
        size=8 * 1024**3,
        **fields,
    )


def test_action_done_and_failed_notify(data, http_receiver):
    apprise_notifier(http_receiver, "on_candidate_acted", "on_candidate_failed")
    done = audit(data, status=ActionLog.DRY_RUN, dry_run=True, result="Would delete 1 file.")
    failed = audit(data, status=ActionLog.FAILED, result="Radarr answered 500")
    action_finished.send(sender=None, action_log_id=done.pk, status="dry_run")
    action_finished.send(sender=None, action_log_id=failed.pk, status="failed")
    action_finished.send(sender=None, action_log_id=failed.pk, status="started")  # not notified
    run_queued_tasks()
    assert sorted(messages(http_receiver)) == [
        (
            "Deletion candidate acted on: Big Movie (2019)",
            "delete Big Movie (2019) (8.0 GB) from Movies on Home, rule set Old movies "
            "(dry run: yes): Would delete 1 file.",
        ),
        (
            "Deletion candidate action failed: Big Movie (2019)",
            "delete Big Movie (2019) (8.0 GB) from Movies on Home, rule set Old movies failed: "
            "Radarr answered 500",
        ),
    ]
    assert sorted(NotifyLog.objects.values_list("notify_action", flat=True)) == [
        "on_candidate_acted",
        "on_candidate_failed",
    ]


def test_a_deleted_audit_row_is_skipped(data, http_receiver):
    apprise_notifier(http_receiver, "on_candidate_acted")
    action_finished.send(sender=None, action_log_id=999999, status="done")
    assert run_queued_tasks()[0]["skipped"]
    assert http_receiver.requests == []


def test_tautulli_answers_keep_their_22_actions(http_receiver):
    notifier = apprise_notifier(http_receiver, "on_play", "on_candidates_due")
    assert notifier.triggers.filter(enabled=True).count() == 2
    config = notifier_config(notifier)
    assert list(config["actions"]) == list(Action.values)
    assert list(config["notify_text"]) == list(Action.values)
    fresh = add_notifier(APPRISE_AGENT)
    assert fresh.triggers.count() == len(Action)
    set_notifier_config(fresh, {"friendly_name": "x"})
    assert not fresh.triggers.filter(action__in=HousekeepingAction.values).exists()
    trigger = NotifierTrigger.objects.get(notifier=notifier, action="on_candidates_due")
    assert trigger.enabled


def test_the_admin_form_switches_them_on(admin_client, http_receiver):
    from django.urls import reverse

    notifier = apprise_notifier(http_receiver)
    page = admin_client.get(reverse("admin:notifications_notifier_change", args=[notifier.pk]))
    html = page.content.decode()
    assert 'name="on_candidates_due"' in html and "Deletion due soon" in html
    assert "Deletion in {days_left} day(s): {rule_set}" in html


def test_size_text():
    assert [size_text(n) for n in (None, 512, 1536, int(4.2 * 1024**3))] == [
        "",
        "512 B",
        "1.5 kB",
        "4.2 GB",
    ]


def test_a_rule_run_notifies_its_new_candidates(http_receiver):
    """The engine's candidates_added (sent on commit) reaches the notifier."""
    from housekeeping.engine import evaluate
    from housekeeping.models import Rule, RuleSet
    from stats.tests.inventory_data import build_inventory

    data = build_inventory()
    rule_set = RuleSet.objects.create(name="Never watched", scope="movie", grace_days=3)
    rule_set.libraries.add(data["movies"])
    Rule.objects.create(
        rule_set=rule_set, field="added_at", operator="more_than_days_ago", value=90
    )
    apprise_notifier(
        http_receiver,
        "on_candidates_added",
        on_candidates_added_body="{candidate_count}: {title} ({days_left} days)",
    )
    result = evaluate(rule_set, now=NOW)
    assert len(result.added) == 2
    run_queued_tasks()
    assert messages(http_receiver)[0][1] == "2: Alien (1979), Zed (2001) (3 days)"
