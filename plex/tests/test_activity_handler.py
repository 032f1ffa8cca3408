"""The session state machine (reference 3.4) and history writing (3.5/3.6), scenario by scenario.

PMS is the fake server, read through plexapi; its viewers' notifications are handed to the
handler as the websocket would deliver them, in order, on the test's clock (epoch seconds from
the fake's clock), so durations are exact.
"""

import json

import pytest
from model_bakery import baker

from history.models import History
from plex.activity.events import plex_event
from plex.activity.handler import ActivityHandler, default_fetch_metadata
from plex.activity.reconcile import reconcile
from plex.client import PlexUnavailable
from plex.testing import FakePlexServer, attach_handler
from servers.models import Server, Session
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "fake-token-activity"
T0 = 1_795_000_000  # epoch seconds at the start of each scenario


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
def handler(pms, server):
    """The handler, fed every notification of the fake's viewers as it happens."""
    return attach_handler(pms, server)


@pytest.fixture
def events():
    seen = []

    def receiver(sender, action, session=None, **kwargs):
        seen.append((action, (session or {}).get("session_key")))

    plex_event.connect(receiver, weak=False)
    yield seen
    plex_event.disconnect(receiver)


def actions(events):
    return [action for action, _ in events]


def test_play_pause_resume_stop_writes_one_row_with_the_paused_time(pms, handler, events):
    viewer = pms.viewer(user_id=11, user_title="alice").play(offset_ms=0)
    session = Session.objects.get()
    assert (session.state, session.started, session.user_id, session.rating_key) == (
        "playing",
        T0,
        11,
        1,
    )
    pms.clock.advance(600)
    viewer.pause()
    pms.clock.advance(120)
    viewer.resume()
    pms.clock.advance(300)
    viewer.stop()

    row = History.objects.get()
    assert (row.started.timestamp(), row.stopped.timestamp()) == (T0, T0 + 1020)
    assert row.paused_counter == 120
    assert row.play_duration == 900
    assert row.view_offset == 900_000
    assert row.reference_id == row.id
    assert row.metadata.title and row.metadata.duration == 9_000_000
    assert not Session.objects.exists()
    assert actions(events) == ["on_play", "on_newdevice", "on_pause", "on_resume", "on_stop"]


def test_a_play_past_the_watched_threshold_announces_on_watched_once(pms, handler, events):
    viewer = pms.viewer(user_id=11).play(offset_ms=7_700_000)
    pms.clock.advance(60)  # 7 760 000 ms: 86 % of the 9 000 000 ms movie
    viewer.pause()
    viewer.resume()
    pms.clock.advance(60)
    viewer.stop()
    assert actions(events).count("on_watched") == 1
    assert History.objects.get().view_offset == 7_820_000


def test_a_stop_in_the_last_ten_seconds_counts_as_the_end(pms, handler):
    viewer = pms.viewer(user_id=11).play(offset_ms=8_000_000)
    pms.clock.advance(991)  # 8 991 000 ms: 9 s before the end
    viewer.stop()
    assert History.objects.get().view_offset == 9_000_000


def test_a_resume_the_next_day_continues_the_same_play(pms, handler):
    first = pms.viewer(user_id=11).play(offset_ms=0)
    pms.clock.advance(1800)
    first.stop()
    pms.clock.advance(86_400)
    second = pms.viewer(user_id=11).play(offset_ms=1_800_000)
    pms.clock.advance(1200)
    second.stop()
    rows = list(History.objects.order_by("id"))
    assert len(rows) == 2
    assert rows[1].reference_id == rows[0].id == rows[0].reference_id


def test_a_90_second_play_is_not_logged(pms, handler, events):
    viewer = pms.viewer(user_id=11).play()
    pms.clock.advance(90)
    viewer.stop()
    assert not History.objects.exists()
    assert not Session.objects.exists()
    assert "on_stop" in actions(events)


def test_a_user_with_keep_history_off_is_not_logged(pms, handler):
    baker.make(User, user_id=11, username="alice", keep_history=False)
    viewer = pms.viewer(user_id=11, user_title="alice").play()
    pms.clock.advance(1200)
    viewer.stop()
    assert not History.objects.exists()


def test_a_session_silent_for_five_minutes_is_stopped_at_its_last_event(pms, handler, events):
    viewer = pms.viewer(user_id=11).play()
    pms.clock.advance(400)
    viewer.pause()  # last event at T0+400
    pms.clock.advance(299)
    assert handler.stop_stale() == 0
    pms.clock.advance(2)
    assert handler.stop_stale() == 1
    row = History.objects.get()
    assert row.stopped.timestamp() == T0 + 400
    assert row.play_duration == 400
    assert actions(events)[-1] == "on_stop"


def test_buffering_announces_on_buffer_after_ten_events(pms, handler, events):
    viewer = pms.viewer(user_id=11).play()
    for _ in range(12):
        pms.clock.advance(5)
        viewer.buffer()
        viewer.resume()
    assert actions(events).count("on_buffer") == 1
    assert Session.objects.get().buffer_count == 12


def test_a_new_item_on_the_same_session_key_stops_the_first(pms, handler, events):
    viewer = pms.viewer(user_id=11).play()
    pms.clock.advance(600)
    # The client moves on to another item without ever sending "stopped".
    viewer.rating_key = "2"
    viewer.media_type = "episode"
    viewer.duration_ms = 1_320_000
    viewer.seek(0)
    rows = list(History.objects.all())
    assert [(r.rating_key, r.play_duration) for r in rows] == [(1, 600)]
    assert Session.objects.get().rating_key == 2
    assert actions(events).count("on_play") == 2


def test_concurrent_streams_of_one_user(pms, handler, events):
    pms.viewer(user_id=11, machine_identifier="tv").play()
    pms.viewer(user_id=11, machine_identifier="phone", address="10.0.0.9").play()
    assert actions(events).count("on_concurrent") == 1


def test_the_poll_starts_updates_and_stops_streams_the_websocket_missed(pms, server, events):
    handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000, timeout=5)
    viewer = pms.viewer(user_id=11).play()  # no websocket: nobody hears this
    result = reconcile(server, handler=handler)
    assert (result.started, result.updated, result.stopped) == (1, 0, 0)
    pms.clock.advance(60)
    viewer.pause()
    pms.clock.advance(60)
    result = reconcile(server, handler=handler)
    assert result.updated == 1 and Session.objects.get().state == "paused"
    pms.clock.advance(600)
    viewer.resume()
    pms.clock.advance(60)
    viewer.stop()
    pms.clock.advance(30)
    result = reconcile(server, handler=handler)
    assert result.stopped == 1
    row = History.objects.get()
    # The poll saw the pause at T0+120 and the stream last at T0+120: the history ends there.
    assert (row.started.timestamp(), row.stopped.timestamp()) == (T0, T0 + 120)
    server.refresh_from_db()
    assert server.connected is True


def test_malformed_xml_marks_the_server_down_and_changes_nothing(pms, server):
    handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000, timeout=5)
    pms.viewer(user_id=11).play()
    reconcile(server, handler=handler)
    pms.route("/status/sessions", "<MediaContainer><Video")
    result = reconcile(server, handler=handler)
    assert "Bad XML" in result.error
    server.refresh_from_db()
    assert server.connected is False and "Bad XML" in server.last_error
    assert Session.objects.get().state == "playing"
    assert not History.objects.exists()


def test_an_invalid_token_is_reported_without_the_token(pms, server):
    server.token = "not-the-token"
    server.save()
    result = reconcile(server, clock=lambda: T0)
    assert result.error.startswith("Unauthorized")
    server.refresh_from_db()
    assert server.connected is False
    assert "not-the-token" not in server.last_error


def test_server_down_for_a_minute_emits_on_intdown_then_on_intup(pms, server, events):
    handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000, timeout=5)
    reconcile(server, handler=handler)
    pms.route("/status/sessions", "down", status=503)
    reconcile(server, handler=handler)
    pms.clock.advance(59)
    reconcile(server, handler=handler)
    assert "on_intdown" not in actions(events)
    pms.clock.advance(1)
    reconcile(server, handler=handler)
    reconcile(server, handler=handler)
    assert actions(events).count("on_intdown") == 1
    pms.route("/status/sessions", lambda request: pms.timeline.sessions_xml())
    reconcile(server, handler=handler)
    assert actions(events).count("on_intup") == 1


def test_markers_announce_intro_and_credits_and_credits_count_as_watched(
    pms, handler, events, settings
):
    from plex.testing.media_routes import with_markers

    settings.MOVIE_WATCHED_PERCENT = 95  # the first credits marker comes first (WATCHED_MARKER 3)
    pms.add_metadata(
        1,
        with_markers(
            pms.metadata["1"],
            [
                {"id": 1, "type": "intro", "start": 60_000, "end": 120_000},
                {"id": 2, "type": "credits", "start": 8_000_000, "end": 9_000_000, "final": 1},
            ],
        ),
    )
    viewer = pms.viewer(user_id=11).play()
    pms.clock.advance(55)
    viewer.seek(viewer.view_offset)  # PMS's progress report, 5 s before the intro
    assert "on_intro" in actions(events)
    viewer.seek(7_000_000)
    assert "on_credits" not in actions(events) and "on_watched" not in actions(events)
    viewer.seek(8_000_500)  # 89 %: below the percent, but past the first credits marker
    assert actions(events)[-2:] == ["on_credits", "on_watched"]
    viewer.seek(8_100_000)
    assert actions(events).count("on_credits") == 1


def test_a_slow_server_times_out_and_is_marked_down(pms, server):
    handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000, timeout=0.5)
    reconcile(server, handler=handler)  # connects while PMS answers quickly
    pms.route("/status/sessions", lambda request: pms.timeline.sessions_xml(), delay=2)
    result = reconcile(server, handler=handler)
    assert result.error.startswith("Timeout:")
    server.refresh_from_db()
    assert server.connected is False and server.last_error.startswith("Timeout:")


def test_a_new_live_tv_programme_on_the_same_session_is_a_new_play(pms, handler, events):
    viewer = pms.viewer(user_id=11, media_type="live").play()
    first_guid = Session.objects.get().guid
    pms.clock.advance(1800)
    viewer.attributes["guid"] = "plex://episode/next-programme"
    viewer.seek(viewer.view_offset)  # the progress report after the programme changed
    rows = list(History.objects.all())
    assert len(rows) == 1 and rows[0].play_duration == 1800 and rows[0].metadata.guid == first_guid
    session = Session.objects.get()
    assert session.guid == "plex://episode/next-programme" and session.started == T0 + 1800
    assert actions(events).count("on_play") == 2


def test_receivers_get_the_action_as_a_plain_string(pms, handler, events):
    viewer = pms.viewer(user_id=11).play(offset_ms=0)
    pms.clock.advance(60)
    viewer.pause()
    assert actions(events) == ["on_play", "on_newdevice", "on_pause"]
    assert {type(action) for action in actions(events)} == {str}


def test_a_refresh_from_pms_is_stamped_in_its_own_column_and_keeps_the_markers(pms, handler):
    from plex.testing.media_routes import with_markers

    intro = {"id": 1, "type": "intro", "start": 600_000, "end": 660_000}
    pms.add_metadata(1, with_markers(pms.metadata["1"], [intro]))
    viewer = pms.viewer(user_id=11).play()
    session = Session.objects.get()
    assert session.refreshed_at is None  # never refreshed: counts from its start

    pms.clock.advance(30)
    viewer.seek(viewer.view_offset)  # a progress report within the minute: no refresh
    session.refresh_from_db()
    assert session.refreshed_at is None and session.view_offset == 30_000
    pms.clock.advance(31)
    viewer.seek(viewer.view_offset)
    session.refresh_from_db()
    assert session.refreshed_at == T0 + 61
    raw = json.loads(session.raw_stream_info)
    assert not {"_refreshed_at", "_last_write_attempt"} & raw.keys()
    assert [marker["type"] for marker in raw["markers"]] == ["intro"]
    pms.clock.advance(59)
    viewer.seek(viewer.view_offset)
    session.refresh_from_db()
    assert session.refreshed_at == T0 + 61 and session.view_offset == 120_000


def test_a_history_write_that_cannot_read_the_item_is_retried_every_30_seconds(pms, server, events):
    pms_down = True

    def fetch_metadata(srv, rating_key):
        if pms_down:
            raise PlexUnavailable("Unreachable: could not connect (test).")
        return default_fetch_metadata(srv, rating_key)

    handler = attach_handler(pms, server, fetch_metadata=fetch_metadata)
    viewer = pms.viewer(user_id=11).play()
    pms.clock.advance(600)
    viewer.stop()

    session = Session.objects.get()
    assert (session.state, session.write_attempts) == ("stopped", 1)
    assert session.last_write_attempt == T0 + 600
    assert "_last_write_attempt" not in json.loads(session.raw_stream_info)
    assert not History.objects.exists() and "on_stop" not in actions(events)

    pms.clock.advance(29)
    assert handler.retry_pending() == 0  # PMS still away, and not 30 s yet: not even tried
    pms.clock.advance(1)
    assert handler.retry_pending() == 0
    session.refresh_from_db()
    assert (session.write_attempts, session.last_write_attempt) == (2, T0 + 630)

    pms_down = False
    pms.clock.advance(30)
    assert handler.retry_pending() == 1
    row = History.objects.get()
    assert (row.started.timestamp(), row.stopped.timestamp(), row.play_duration) == (
        T0,
        T0 + 600,
        600,
    )
    assert not Session.objects.exists() and actions(events)[-1] == "on_stop"


@pytest.mark.parametrize(
    ("offset_ms", "watched"),
    [(7_000_000, True), (0, False)],
    ids=["past-the-threshold", "short-of-it"],
)
def test_a_stop_whose_history_write_is_retried_announces_on_watched_when_it_was_reached(
    pms, handler, events, offset_ms, watched
):
    viewer = pms.viewer(user_id=11).play(offset_ms=offset_ms)  # 78 % of the 9 000 000 ms movie
    pms.clock.advance(700)  # stopped at 7 700 000 ms (86 %): the threshold is crossed at the stop
    pms.route("/library/metadata/1", "PMS is restarting", status=503)  # the item is unreadable
    viewer.stop()
    assert Session.objects.get().state == "stopped" and "on_stop" not in actions(events)

    pms.unroute("/library/metadata/1")  # PMS answers again
    pms.clock.advance(30)
    assert handler.retry_pending() == 1
    row = History.objects.get()
    stop_events = [(action, key) for action, key in events if action in ("on_stop", "on_watched")]
    assert stop_events == [("on_stop", 1)] + ([("on_watched", 1)] if watched else [])
    assert row.view_offset == offset_ms + 700_000
    assert not Session.objects.exists()
