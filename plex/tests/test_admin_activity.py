"""The admin's Activity page (plex.admin_activity) and the servers' connection state in the admin.

The page reads the ``sessions`` rows the monitor keeps; here they are baked as the monitor writes
them (Tautulli's columns: epoch seconds, offsets in ms), except in the last test, where the rows
come from the fake PMS through the real state machine.
"""

import datetime as dt
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from model_bakery import baker

from plex import admin_activity
from plex.admin_activity import snapshot
from plex.demo import DEMO_MACHINE_IDENTIFIER, DEMO_NAME
from servers.models import Server, Session

PAGE = "/admin/activity/"
FRAGMENT = "/admin/activity/fragment/"
T0 = 1_795_000_000
TOKENS = ("SECRET-TOKEN-LIVING-ROOM", "SECRET-TOKEN-CABIN")


@pytest.fixture
def servers(db):
    now = dt.datetime.now(dt.UTC)
    living_room = baker.make(
        Server,
        name="Living Room PMS",
        url="http://192.168.1.10:32400",
        token=TOKENS[0],
        connected=True,
        connected_changed_at=now - dt.timedelta(hours=2),
        last_contact_at=now,
        websocket_connected=True,
    )
    cabin = baker.make(
        Server,
        name="Cabin PMS",
        url="http://10.8.0.2:32400",
        token=TOKENS[1],
        connected=False,
        connected_changed_at=now - dt.timedelta(minutes=5),
        last_error="Unreachable: could not connect to http://10.8.0.2:32400 (refused or no route).",
    )
    return living_room, cabin


def bake_session(server, session_key, **fields):
    """A ``sessions`` row as the monitor writes it (paused: its progress does not move)."""
    values = {
        "session_key": session_key,
        "state": "paused",
        "user_id": 500 + session_key,
        "user": f"user{session_key}",
        "friendly_name": f"Viewer {session_key}",
        "media_type": "movie",
        "full_title": f"Movie {session_key}",
        "player": "Living Room TV",
        "product": "Plex for Android (TV)",
        "platform": "Android",
        "started": T0,
        "stopped": T0 + 60,
        "view_offset": 60_000,
        "duration": 600_000,
        "transcode_decision": "direct play",
        "video_decision": "direct play",
        "audio_decision": "direct play",
        "quality_profile": "Original",
        "stream_video_full_resolution": "1080p",
        "bandwidth": 8000,
        "location": "lan",
        "ip_address": "192.168.1.20",
        "raw_stream_info": '{"bandwidth": "8000"}',
    }
    values.update(fields)
    return Session.objects.create(server=server, **values)


@pytest.fixture
def two_streams(servers):
    living_room, cabin = servers
    movie = bake_session(
        living_room,
        1,
        friendly_name="Alice",
        full_title="Heat",
        view_offset=1_800_000,
        duration=7_200_000,
    )
    episode = bake_session(
        cabin,
        2,
        friendly_name="Bob",
        media_type="episode",
        full_title="The Wire - The Target",
        player="Bob's iPhone",
        product="Plex for iOS",
        platform="iOS",
        view_offset=1_650_000,
        duration=3_300_000,
        transcode_decision="transcode",
        video_decision="transcode",
        audio_decision="copy",
        quality_profile="4 Mbps 720p",
        stream_video_full_resolution="720p",
        bandwidth=4300,
        location="wan",
        ip_address="203.0.113.7",
    )
    return movie, episode


def test_anonymous_and_non_staff_users_are_sent_to_the_login_page(client, db):
    for url in (PAGE, FRAGMENT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    member = get_user_model().objects.create_user("member", password="pw")
    client.force_login(member)
    for url in (PAGE, FRAGMENT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_view_permission_on_sessions_get_403(client, db):
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(PAGE).status_code == 403
    assert client.get(FRAGMENT).status_code == 403
    staff.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="plex")
    )
    staff = get_user_model().objects.get(pk=staff.pk)  # fresh permission cache
    client.force_login(staff)
    assert client.get(PAGE).status_code == 200


def test_the_page_shows_the_streams_of_every_server_with_totals(admin_client, two_streams):
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>" in html and "Activity" in html
    # Both servers, their state, and each stream's details.
    for text in (
        "Living Room PMS",
        "Cabin PMS",
        "Alice",
        "Heat",
        "Bob",
        "The Wire - The Target",
        "Bob&#x27;s iPhone",
        "Plex for iOS",
        "30:00 / 2:00:00 (25%)",
        "27:30 / 55:00 (50%)",
        "Original · 1080p",
        "4 Mbps 720p · 720p",
        "Direct Play",
        "Transcode",
        "8,000 kbps",
        "4,300 kbps",
        "LAN",
        "WAN",
        "192.168.1.20",
        "203.0.113.7",
        "Down since",
        "websocket open",
    ):
        assert text in html, text
    streams = response.context["streams"]
    assert [(s.server.name, s.user, s.state) for s in streams] == [
        ("Living Room PMS", "Alice", "paused"),
        ("Cabin PMS", "Bob", "paused"),
    ]
    # The totals at the top, as get_activity counts them.
    assert response.context["stream_count"] == 2
    assert (
        response.context["direct_play"],
        response.context["direct_stream"],
        response.context["transcode"],
    ) == (1, 0, 1)
    assert "12,300 kbps" in html and "LAN 8,000 kbps · WAN 4,300 kbps" in html
    # The fragment is polled from the page.
    assert 'data-fragment-url="/admin/activity/fragment/"' in html
    assert 'hx-get="/admin/activity/fragment/"' in html and 'hx-trigger="every 5s' in html
    for token in TOKENS:
        assert token not in html


def test_the_fragment_is_the_refreshable_part_and_follows_the_rows(admin_client, two_streams):
    movie, episode = two_streams
    response = admin_client.get(FRAGMENT)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    assert "<html" not in html and "Heat" in html and "The Wire - The Target" in html
    # The monitor resumes one stream and stops the other (history written: row gone).
    Session.objects.filter(pk=movie.pk).update(state="playing", transcode_decision="copy")
    episode.delete()
    html = admin_client.get(FRAGMENT).content.decode()
    assert "The Wire - The Target" not in html
    assert "Direct Stream" in html and "playing" in html
    assert admin_client.get(FRAGMENT).context["direct_stream"] == 1


def test_nothing_playing_shows_the_empty_state(admin_client, servers):
    living_room, _cabin = servers
    # A stopped row is a stream whose history write is pending: not playing any more.
    bake_session(living_room, 9, state="stopped")
    response = admin_client.get(PAGE)
    html = response.content.decode()
    assert "Nothing is playing right now." in html
    assert response.context["stream_count"] == 0
    assert "0 kbps" in html


def test_progress_moves_with_time_while_playing_only():
    server = Server(name="S", connected=True, is_active=True)
    playing = Session(
        state="playing", view_offset=60_000, duration=600_000, stopped=T0, server=server
    )
    paused = Session(state="paused", view_offset=60_000, duration=600_000, stopped=T0)
    live = Session(state="playing", view_offset=30_000, duration=None, stopped=T0, live=1)

    row = admin_activity.stream(playing, server, now=T0 + 30)
    assert (row.offset_ms, row.percent, row.progress_text) == (90_000, 15, "1:30 / 10:00")
    assert admin_activity.stream(paused, server, now=T0 + 30).offset_ms == 60_000
    # Never past the end, whatever the time since the last event.
    assert admin_activity.stream(playing, server, now=T0 + 3600).percent == 100
    # Live TV has no duration: the position counts up, no percent.
    live_row = admin_activity.stream(live, server, now=T0 + 60)
    assert (live_row.percent, live_row.progress_text) == (None, "Live · 1:30")
    # A server known to be down: the last known position, not a guess.
    down = Server(name="D", connected=False, is_active=True)
    assert admin_activity.stream(playing, down, now=T0 + 30).offset_ms == 60_000


def test_totals_split_decisions_and_bandwidth_as_get_activity(servers):
    living_room, _cabin = servers
    bake_session(living_room, 1, transcode_decision="direct play", bandwidth=1000)
    bake_session(living_room, 2, transcode_decision="copy", bandwidth=2000, location="wan")
    bake_session(
        living_room, 3, transcode_decision="transcode", bandwidth=3000, location="cellular"
    )
    bake_session(living_room, 4, transcode_decision=None, bandwidth=None, state="buffering")
    data = snapshot(now=T0)
    assert data["stream_count"] == 4
    assert (data["direct_play"], data["direct_stream"], data["transcode"]) == (2, 1, 1)
    assert (data["total_bandwidth"], data["lan_bandwidth"], data["wan_bandwidth"]) == (
        6000,
        1000,
        5000,
    )
    assert [s.location for s in data["streams"]][:3] == ["LAN", "WAN", "Cellular"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_streams(
    admin_client, servers, django_assert_max_num_queries
):
    living_room, cabin = servers
    bake_session(living_room, 1)
    one = {url: _queries(admin_client, url) for url in (PAGE, FRAGMENT)}
    for key in range(2, 21):
        bake_session(living_room if key % 2 else cabin, key)
    assert Session.objects.count() == 20
    twenty = {url: _queries(admin_client, url) for url in (PAGE, FRAGMENT)}
    assert twenty == one
    # The login session, the user, the servers, the sessions.
    assert one[FRAGMENT] <= 4
    with django_assert_max_num_queries(one[FRAGMENT]):
        assert admin_client.get(FRAGMENT).context["stream_count"] == 20


def test_activity_is_in_the_sidebar_and_on_the_index(admin_client, db, client):
    html = admin_client.get("/admin/").content.decode()
    assert f'href="{PAGE}"' in html and "Activity" in html
    assert f'href="{PAGE}"' in admin_client.get("/admin/plex/").content.decode()
    # Staff who may not see sessions do not get the link.
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_server", content_type__app_label="plex")
    )
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert "/admin/plex/server/" in html and PAGE not in html


# --- servers: connection state ----------------------------------------------------------------


def test_server_list_shows_connection_badges_and_never_the_token(admin_client, servers):
    living_room, cabin = servers
    baker.make(Server, name="Never checked", url="http://10.0.0.9:32400", token="T-UNKNOWN")
    baker.make(
        Server, name="Switched off", url="http://10.0.0.8:32400", token="T-OFF", is_active=False
    )
    Server.objects.filter(pk=cabin.pk).update(
        last_error=f"Request to {cabin.url} failed: {TOKENS[1]} " + "x" * 200
    )
    response = admin_client.get(reverse("admin:plex_server_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Up", "Down since", "Unknown", "Not monitored", "Request to http://10.8.0.2"):
        assert text in html, text
    for token in (*TOKENS, "T-UNKNOWN", "T-OFF"):
        assert token not in html
    # The error is truncated in the list (the whole of it in the tooltip).
    assert "x" * 150 + "<" not in html and "x…</span>" in html
    # Filter on the connection state.
    down = admin_client.get(reverse("admin:plex_server_changelist"), {"connected__exact": "0"})
    assert [s.name for s in down.context["cl"].result_list] == ["Cabin PMS"]


def test_server_change_page_has_a_read_only_connection_section(admin_client, servers):
    _living_room, cabin = servers
    response = admin_client.get(reverse("admin:plex_server_change", args=[cabin.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Connection" in html and "Down since" in html
    assert "Unreachable: could not connect to http://10.8.0.2:32400" in html
    assert TOKENS[1] not in html
    form_fields = response.context["adminform"].form.fields
    assert "connected" not in form_fields and "last_error" not in form_fields


def test_the_demo_server_is_labelled(admin_client, db):
    demo = baker.make(
        Server,
        name=DEMO_NAME,
        url="http://127.0.0.1:32499",
        token="demo-token",
        machine_identifier=DEMO_MACHINE_IDENTIFIER,
    )
    html = admin_client.get(reverse("admin:plex_server_changelist")).content.decode()
    assert "Demo" in html and "scripted viewers, not a real server" in html
    html = admin_client.get(reverse("admin:plex_server_change", args=[demo.pk])).content.decode()
    assert "The built-in demo" in html and "demo-token" not in html


# --- from the fake PMS through the state machine ----------------------------------------------


def test_streams_started_on_the_fake_pms_show_on_the_page(admin_client, db):
    from plex.activity.reconcile import reconcile
    from plex.testing import FakePlexServer

    token = "fake-token-activity-page"
    with FakePlexServer(token=token, name="Fake PMS") as pms:
        pms.clock.now_ms = int(time.time() * 1000)
        server = Server.objects.create(
            name="Fake PMS", url=pms.url, token=token, machine_identifier=pms.machine_identifier
        )
        pms.viewer(user_id=11, user_title="alice", decision="directplay", bandwidth=8000).play(
            offset_ms=900_000
        )
        pms.viewer(
            user_id=12,
            user_title="bob",
            media_type="episode",
            decision="transcode",
            location="wan",
            address="203.0.113.9",
            bandwidth=4000,
        ).play().pause()
        assert reconcile(server).started == 2
    response = admin_client.get(PAGE)
    html = response.content.decode()
    streams = {s.user: s for s in response.context["streams"]}
    assert set(streams) == {"alice", "bob"}
    assert streams["alice"].decision_label == "Direct Play"
    assert streams["alice"].percent == 10  # 15:00 of 2:30:00
    assert streams["bob"].decision_label == "Transcode" and streams["bob"].state == "paused"
    assert streams["bob"].location == "WAN" and streams["bob"].ip_address == "203.0.113.9"
    assert response.context["total_bandwidth"] == 12_000
    assert "Movie 1" in html and "30 Rock - Blind Date" in html
    assert token not in html


def test_quality_names_the_profile_and_what_is_streamed():
    server = Server(name="S", connected=True)
    movie = Session(
        media_type="movie", quality_profile="Original", stream_video_full_resolution="1080p"
    )
    track = Session(
        media_type="track",
        quality_profile="192 kbps",
        stream_audio_codec="mp3",
        stream_audio_bitrate=182,
    )
    raw_track = Session(media_type="track", stream_audio_codec="flac", stream_audio_bitrate=1411)
    assert admin_activity.stream(movie, server, now=T0).quality == "Original · 1080p"
    assert admin_activity.stream(track, server, now=T0).quality == "192 kbps · MP3"
    assert admin_activity.stream(raw_track, server, now=T0).quality == "FLAC 1411 kbps"


def test_the_add_page_has_no_connection_section(admin_client, db):
    html = admin_client.get(reverse("admin:plex_server_add")).content.decode()
    assert "Token" in html and "Down notified" not in html
