"""The notification pipeline end to end: plays on the fake PMS, the monitor's real handler, the
django-q2 tasks run from the database broker as a worker would, and deliveries through Apprise
to a loopback HTTP receiver (reference 4.2-4.3)."""

import pytest
from django_q.models import OrmQ, Schedule

from core.events import Action
from libraries.models import Library
from notifications.models import DeliveryAttempt, Notifier, NotifierTrigger, NotifyLog
from notifications.notifiers import add_notifier, set_notifier_config
from notifications.pipeline import notify_event
from notifications.testing import run_due_retries, run_queued_tasks
from plex.testing import FakePlexServer, attach_handler
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "fake-token-pipeline"
T0 = 1_795_000_000
APPRISE_AGENT = 100


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        fake.clock.now_ms = T0 * 1000
        yield fake


@pytest.fixture
def server(pms):
    return Server.objects.create(
        name="Home", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def monitor(pms, server):
    """The monitor's handler, fed every websocket notification of the fake's viewers."""
    return attach_handler(pms, server)


def apprise_notifier(receiver, *actions, **values) -> Notifier:
    """A notifier posting Apprise's JSON to ``receiver``, switched on for ``actions``."""
    notifier = add_notifier(APPRISE_AGENT)
    form = {"apprise_urls": f"json://{receiver.host}:{receiver.port}/", **values}
    form.update({action: "1" for action in actions})
    return set_notifier_config(notifier, form)


def messages(receiver) -> list[str]:
    return [request.json()["message"] for request in receiver.requests]


def alice_plays(pms, **kwargs):
    """alice transcodes "30 Rock - Blind Date" (S01E03, 22 min) on the living-room TV."""
    values = {"decision": "transcode", "player_title": "Living Room TV", **kwargs}
    return pms.viewer(user_id=11, user_title="alice", media_type="episode", **values)


def test_play_pause_resume_stop_and_watched_each_notify_once(pms, monitor, http_receiver, settings):
    settings.NOTIFY_CONSECUTIVE = True
    apprise_notifier(http_receiver, "on_play", "on_pause", "on_resume", "on_stop", "on_watched")
    viewer = alice_plays(pms).play(offset_ms=60_000)
    run_queued_tasks()
    pms.clock.advance(60)
    viewer.pause()
    run_queued_tasks()
    pms.clock.advance(30)
    viewer.resume()
    run_queued_tasks()
    pms.clock.advance(21 * 60)
    viewer.stop()
    run_queued_tasks()
    sent = messages(http_receiver)
    assert sent[:3] == [
        "alice (Living Room TV) started playing 30 Rock - Blind Date.",
        "alice (Living Room TV) has paused 30 Rock - Blind Date.",
        "alice (Living Room TV) has resumed 30 Rock - Blind Date.",
    ]
    assert sorted(sent[3:]) == [
        "alice (Living Room TV) has stopped 30 Rock - Blind Date.",
        "alice (Living Room TV) has watched 30 Rock - Blind Date.",
    ]
    log = NotifyLog.objects.order_by("id")
    assert [entry.notify_action for entry in log][:3] == ["on_play", "on_pause", "on_resume"]
    assert all(entry.success and entry.attempts == 1 for entry in log)
    assert http_receiver.requests[0].json()["title"] == "Tautulli (Home)"


def test_a_notifier_only_gets_the_actions_it_is_on_for(pms, monitor, http_receiver):
    apprise_notifier(http_receiver, "on_stop")
    viewer = alice_plays(pms).play()
    pms.clock.advance(120)
    viewer.stop()
    run_queued_tasks()
    assert messages(http_receiver) == ["alice (Living Room TV) has stopped 30 Rock - Blind Date."]


def test_nothing_is_queued_when_no_notifier_is_on(pms, monitor, http_receiver):
    apprise_notifier(http_receiver)  # every trigger off
    alice_plays(pms).play()
    assert not OrmQ.objects.exists()


def test_custom_conditions_filter_per_notifier(pms, monitor, http_receiver):
    import json

    only_bob = [{"parameter": "username", "operator": "is", "value": ["bob"], "type": "str"}]
    only_alice = [{"parameter": "username", "operator": "is", "value": ["alice"], "type": "str"}]
    apprise_notifier(
        http_receiver, "on_play", custom_conditions=json.dumps(only_bob), on_play_body="bob"
    )
    apprise_notifier(
        http_receiver, "on_play", custom_conditions=json.dumps(only_alice), on_play_body="alice"
    )
    alice_plays(pms).play()
    run_queued_tasks()
    assert messages(http_receiver) == ["alice"]


def test_custom_texts_use_the_parameters(pms, monitor, http_receiver):
    apprise_notifier(
        http_receiver,
        "on_play",
        on_play_subject="{server_name}: {user!u}",
        on_play_body="{show_name} S{season_num00}E{episode_num00}<movie> (a movie)</movie>"
        "{ - <transcode_decision>}",
    )
    alice_plays(pms).play()
    run_queued_tasks()
    (request,) = http_receiver.requests
    assert request.json()["title"] == "Home: ALICE"
    assert request.json()["message"] == "30 Rock S01E03 - Transcode"


def test_switched_off_users_and_libraries_do_not_notify(pms, monitor, http_receiver, server):
    apprise_notifier(http_receiver, "on_play")
    viewer = alice_plays(pms).play()
    run_queued_tasks()
    assert len(http_receiver.requests) == 1
    viewer.stop()
    run_queued_tasks()
    User.objects.update_or_create(user_id=11, defaults={"username": "alice", "do_notify": False})
    alice_plays(pms).play()
    run_queued_tasks()
    assert len(http_receiver.requests) == 1
    User.objects.filter(user_id=11).update(do_notify=True)
    Library.objects.create(server=server, section_id=2, section_name="TV Shows", do_notify=False)
    result = notify_event(
        {
            "server_id": server.pk,
            "action": Action.PLAY,
            "session": {"media_type": "episode", "section_id": 2, "user_id": 11},
        }
    )
    assert result["skipped"] == "notifications are off for this library"


def test_photos_never_notify_and_stop_past_watched_needs_consecutive(server, settings):
    NotifierTrigger.objects.filter(notifier=add_notifier(APPRISE_AGENT)).update(enabled=True)
    photo = {"media_type": "photo", "user_id": 1}
    assert (
        "does not notify"
        in notify_event({"server_id": server.pk, "action": Action.PLAY, "session": photo})[
            "skipped"
        ]
    )
    settings.NOTIFY_CONSECUTIVE = False
    watched = {"media_type": "movie", "view_offset": 90_000, "duration": 100_000}
    assert (
        "NOTIFY_CONSECUTIVE"
        in notify_event({"server_id": server.pk, "action": Action.STOP, "session": watched})[
            "skipped"
        ]
    )


def test_a_receiver_that_is_down_gets_retries_then_a_logged_failure(
    pms, monitor, http_receiver, settings
):
    settings.NOTIFY_RETRY_DELAYS = [30, 120]
    notifier = apprise_notifier(http_receiver, "on_play")
    http_receiver.status = 500
    alice_plays(pms).play()
    run_queued_tasks()
    (entry,) = NotifyLog.objects.all()
    assert not entry.success and entry.attempts == 1
    retries = Schedule.objects.filter(schedule_type=Schedule.ONCE)  # not the apps' recurring ones
    retry = retries.get()
    assert retry.name == f"Retry notification {entry.pk} (attempt 2)"
    run_due_retries()
    run_due_retries()
    assert not retries.exists()
    entry.refresh_from_db()
    notifier.refresh_from_db()
    assert entry.attempts == 3 and not entry.success
    assert "500" in entry.error
    assert len(http_receiver.requests) == 3
    assert notifier.failed_deliveries == 1
    assert [attempt.success for attempt in DeliveryAttempt.objects.filter(log=entry)] == [
        False,
        False,
        False,
    ]


def test_a_retry_that_succeeds_clears_the_failure(pms, monitor, http_receiver, settings):
    settings.NOTIFY_RETRY_DELAYS = [30]
    notifier = apprise_notifier(http_receiver, "on_play")
    Notifier.objects.filter(pk=notifier.pk).update(failed_deliveries=2, last_error="earlier")
    http_receiver.status = 503
    alice_plays(pms).play()
    run_queued_tasks()
    http_receiver.status = 200
    run_due_retries()
    entry = NotifyLog.objects.get()
    notifier.refresh_from_db()
    assert entry.success and entry.attempts == 2 and entry.error == ""
    assert notifier.failed_deliveries == 0 and notifier.last_error == ""


def test_a_restart_between_event_and_delivery_loses_nothing(pms, monitor, http_receiver):
    """The event's task waits in the database broker (no cluster running); a worker started
    later delivers it."""
    apprise_notifier(http_receiver, "on_play")
    alice_plays(pms).play()
    assert OrmQ.objects.count() == 1
    assert http_receiver.requests == []
    run_queued_tasks()
    assert messages(http_receiver) == [
        "alice (Living Room TV) started playing 30 Rock - Blind Date."
    ]


def test_update_notices_are_sent_once_per_version(server, http_receiver):
    apprise_notifier(http_receiver, "on_pmsupdate")
    event = {
        "server_id": server.pk,
        "action": Action.PMSUPDATE,
        "session": None,
        "tag": "1.42.0",
        "update": {"version": "1.42.0", "url": "https://plex.tv/dl", "channel": "beta"},
    }
    notify_event(event)
    run_queued_tasks()
    assert notify_event(event)["skipped"] == "already notified for 1.42.0"
    assert messages(http_receiver) == [
        "An update is available for the Plex Media Server (version 1.42.0)."
    ]


def test_new_episodes_of_a_season_send_one_message(pms, server, http_receiver):
    """Three episodes added to one season: one on_created, one message naming the season."""
    from plex.activity import recently_added
    from plex.testing.media_routes import add_library

    add_library(pms)
    apprise_notifier(http_receiver, "on_created", on_created_body="{show_name}: {episode_num00}")
    for key in (90, 91, 92):
        recently_added.queue_entry(
            server,
            {
                "itemID": str(key),
                "parentItemID": "89",
                "rootItemID": "22",
                "identifier": "com.plexapp.plugins.library",
                "state": 0,
                "type": 4,
                "sectionID": "2",
                "title": "",
                "metadataState": "created",
                "mediaState": "",
                "queueSize": 0,
            },
            T0,
        )
    assert recently_added.release_due(server, T0 + 300) == 1
    run_queued_tasks()
    assert messages(http_receiver) == ["The 100: 01-03"]


def test_concurrent_streams_and_a_new_device_notify(pms, monitor, http_receiver):
    apprise_notifier(http_receiver, "on_concurrent", "on_newdevice")
    alice_plays(pms).play()
    run_queued_tasks()
    assert messages(http_receiver) == ["alice is streaming from a new device: Living Room TV."]
    alice_plays(pms, player_title="Phone", machine_identifier="phone-1").play()
    run_queued_tasks()
    assert sorted(messages(http_receiver)[1:]) == [
        "alice has 2 concurrent streams.",
        "alice is streaming from a new device: Phone.",
    ]


def test_remote_access_down_names_the_reason(server, http_receiver):
    apprise_notifier(
        http_receiver,
        "on_extdown",
        on_extdown_body="{remote_access_mapping_state}: {remote_access_reason}",
    )
    notify_event(
        {
            "server_id": server.pk,
            "action": Action.EXTDOWN,
            "session": None,
            "remote_access_mapping_state": "unmapped",
            "remote_access_reason": "Plex remote access port mapping failed",
        }
    )
    run_queued_tasks()
    assert messages(http_receiver) == ["unmapped: Plex remote access port mapping failed"]
