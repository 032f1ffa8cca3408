"""Demo mode (plex.demo, ``manage.py demo_pms``): scripted viewers on the fake PMS.

The script runs on the fake's clock, which the tests move (the command keeps it on the wall
clock); what the viewers do is read back from the fake over HTTP with plexapi, as the monitor
reads it.
"""

import datetime as dt
import io
import socket
import threading
import time
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from model_bakery import baker
from plexapi.server import PlexServer

from conftest import bake_play
from history.models import History
from plex import demo
from plex.activity.handler import ActivityHandler
from plex.testing import FakePlexServer
from servers.models import Server, Session
from users.models import User

T0 = 1_795_000_000
TOKEN = "fake-token-demo"


@pytest.fixture
def pms():
    with FakePlexServer(
        token=TOKEN, name=demo.DEMO_NAME, machine_identifier=demo.DEMO_MACHINE_IDENTIFIER
    ) as fake:
        fake.clock.now_ms = T0 * 1000
        yield fake


def play_until(pms, script, seconds, step=5):
    """Advance the fake clock to ``seconds`` after the script's start, ticking every ``step``."""
    target = script.start_ms + seconds * 1000
    script.tick()
    while pms.clock.now_ms < target:
        pms.clock.advance(min(step, (target - pms.clock.now_ms) / 1000))
        script.tick()


def listed_sessions(pms) -> dict:
    """``/status/sessions`` as plexapi reads it: {user: (type, state, decision, location)}."""
    result = {}
    for item in PlexServer(pms.url, TOKEN, timeout=5).sessions():
        transcode = (item.transcodeSessions or [None])[0]
        decision = transcode.videoDecision or transcode.audioDecision if transcode else "directplay"
        result[item.usernames[0]] = (
            item.type,
            item.players[0].state,
            decision,
            item.session.location,
        )
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_script_plays_pauses_and_stops_every_viewer_then_loops(pms):
    script = demo.DemoScript(pms)
    assert listed_sessions(pms) == {}
    play_until(pms, script, 100)
    sessions = listed_sessions(pms)
    assert sessions["Alice"] == ("movie", "playing", "directplay", "lan")
    assert sessions["Bob"][:2] == ("episode", "playing") and sessions["Bob"][3] == "wan"
    assert sessions["Carol"][:2] == ("track", "playing") and sessions["Carol"][3] == "cellular"
    play_until(pms, script, 130)
    assert listed_sessions(pms)["Alice"][1] == "paused"
    play_until(pms, script, 250)
    sessions = listed_sessions(pms)
    assert set(sessions) == {"Alice", "Bob", "Carol", "Dave", "Erin"}
    assert sessions["Bob"][2] == "transcode" and sessions["Dave"][0] == "episode"  # live TV
    assert {decision for _type, _state, decision, _loc in sessions.values()} == {
        "directplay",
        "copy",
        "transcode",
    }
    # Everyone has stopped before the loop ends: the plays end as PMS ends them.
    play_until(pms, script, 595)
    assert listed_sessions(pms) == {}
    assert all(viewer.state == "stopped" for viewer in script.viewers.values())
    alice = script.viewers["alice"]
    assert alice.view_offset == 570_000  # from 3:00, 6:30 played: the end of the movie
    # The next loop starts the same plays again.
    play_until(pms, script, 605)
    assert listed_sessions(pms)["Alice"][1] == "playing"


def test_playing_sessions_report_progress_every_ten_seconds_like_pms(pms):
    script = demo.DemoScript(pms)
    play_until(pms, script, 100, step=1)
    alice = [
        n["NotificationContainer"]["PlaySessionStateNotification"][0]
        for n in pms.timeline.notifications
    ]
    alice = [n for n in alice if n["sessionKey"] == script.viewers["alice"].session_key]
    assert len(alice) == 11  # play at 0, then every 10 s up to 100
    assert [n["viewOffset"] for n in alice[:3]] == [180_000, 190_000, 200_000]


def test_a_session_stopped_from_outside_does_not_break_the_script(pms):
    script = demo.DemoScript(pms)
    play_until(pms, script, 60)
    bob = script.viewers["bob"]
    answer = requests.get(
        f"{pms.url}/status/sessions/terminate",
        params={"sessionId": bob.session_id, "reason": "Demo over", "X-Plex-Token": TOKEN},
        timeout=5,
    )
    assert answer.status_code == 200 and bob.state == "stopped"
    play_until(pms, script, 330)  # Bob's buffer, resume and stop steps no longer apply
    assert "Bob" not in listed_sessions(pms) and "Alice" in listed_sessions(pms)
    play_until(pms, script, 640)
    assert listed_sessions(pms)["Bob"][1] == "playing"  # back in the next loop


@pytest.mark.django_db
def test_the_server_row_is_created_once_then_updated():
    first = demo.register_server("http://127.0.0.1:32499", "tok-1", "1.2.3")
    assert (first.name, first.machine_identifier, first.is_active) == (
        demo.DEMO_NAME,
        demo.DEMO_MACHINE_IDENTIFIER,
        True,
    )
    assert demo.demo_token() == "tok-1"  # a restart keeps the token the monitor uses
    Server.objects.filter(pk=first.pk).update(name="My demo", is_active=False)
    again = demo.register_server("http://127.0.0.1:40000", "tok-1", "1.2.3")
    assert Server.objects.count() == 1 and again.pk == first.pk
    again.refresh_from_db()
    assert (again.name, again.url, again.is_active) == ("My demo", "http://127.0.0.1:40000", True)


@pytest.mark.django_db
def test_auto_mode_stays_away_and_removes_the_demo_once_a_real_server_is_configured():
    assert demo.demo_wanted({}) == (True, "")
    assert demo.demo_wanted({"PLEX_URL": "http://10.0.0.2:32400"})[0] is False
    assert demo.demo_wanted({"PLEX_TOKEN": "abc"})[0] is False
    # Only the demo's own row, with what it recorded: still wanted.
    demo_row = demo.register_server("http://127.0.0.1:32499", "tok", "")
    alice = baker.make(User, user_id=9001, username="Alice", placeholder=True)
    bake_play(demo_row, alice, stopped=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), seconds=300)
    baker.make(Session, server=demo_row, session_key=1, state="playing")
    assert demo.demo_wanted({})[0] is True
    # A real server was added: --auto removes the demo and its plays, and exits at once.
    home = baker.make(Server, name="Home", url="http://10.0.0.2:32400", machine_identifier="real")
    real_user = baker.make(User, user_id=77, username="me")
    bake_play(home, real_user, stopped=dt.datetime(2026, 11, 2, tzinfo=dt.UTC), seconds=600)
    assert demo.demo_wanted({}) == (False, "a Plex server is configured")
    call_command("demo_pms", auto=True, port=free_port(), stdout=io.StringIO())
    assert list(Server.objects.values_list("name", flat=True)) == ["Home"]
    assert list(History.objects.values_list("user_id", flat=True)) == [77]
    assert not Session.objects.exists()
    assert list(User.objects.values_list("user_id", flat=True)) == [77]


@pytest.mark.django_db
def test_a_demo_row_pointed_at_a_real_server_is_not_the_demo_any_more():
    row = demo.register_server("http://127.0.0.1:32499", "tok", "")
    assert demo.is_demo(row)
    Server.objects.filter(pk=row.pk).update(url="http://192.168.1.10:32400", token="real")
    row.refresh_from_db()
    assert not demo.is_demo(row)
    assert demo.demo_wanted({}) == (False, "a Plex server is configured")
    assert demo.remove_demo() is False and Server.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_serves_the_demo_and_registers_it(tmp_path, monkeypatch):
    monkeypatch.delenv("PLEX_URL", raising=False)
    monkeypatch.delenv("PLEX_TOKEN", raising=False)
    port = free_port()
    ready = tmp_path / "ready"

    def run_command():
        try:
            call_command("demo_pms", auto=True, port=port, ready_file=str(ready), seconds=3)
        finally:
            connection.close()  # this thread's own database connection

    runner = threading.Thread(target=run_command)
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Path(ready).read_text() == f"http://127.0.0.1:{port}"
        server = Server.objects.get()
        assert (server.name, server.url) == (demo.DEMO_NAME, f"http://127.0.0.1:{port}")
        plex = PlexServer(server.url, server.token, timeout=5)
        assert plex.machineIdentifier == demo.DEMO_MACHINE_IDENTIFIER
        sessions = plex.sessions()
        assert [s.usernames[0] for s in sessions] == ["Alice"]  # the first step, at once
        # The clock is the wall clock: Alice's movie started at 3:00 a moment ago.
        assert 180_000 <= sessions[0].viewOffset < 240_000
    finally:
        runner.join(timeout=15)
    assert not runner.is_alive()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/identity", timeout=2)


@pytest.mark.django_db(transaction=True)
def test_a_demo_loop_becomes_activity_then_history(pms, admin_client):
    """What a newcomer sees: the monitor's state machine fed by the demo's notifications shows
    the streams on the Activity page, and each play is in the history once it stops."""
    server = demo.register_server(pms.url, TOKEN, pms.version)
    handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000, timeout=5)

    def deliver(message):
        for item in message["NotificationContainer"]["PlaySessionStateNotification"]:
            handler.process(item)

    pms.timeline.listeners.append(deliver)
    script = demo.DemoScript(pms)
    play_until(pms, script, 250)
    page = admin_client.get("/admin/activity/")
    streams = page.context["streams"]
    assert sorted(s.user for s in streams) == ["Alice", "Bob", "Carol", "Dave", "Erin"]
    assert page.context["direct_play"] == 1  # Alice
    assert page.context["direct_stream"] == 2  # Carol's track, Dave's live TV
    assert page.context["transcode"] == 2  # Bob, Erin
    assert "Demo" in page.content.decode()
    # Carol's first track ended at 2:40 and is already history.
    assert History.objects.filter(user_id=9003).count() == 1

    play_until(pms, script, 595)
    assert not Session.objects.filter(state__in=("playing", "paused", "buffering")).exists()
    played = {(row.user_id, row.media_type) for row in History.objects.filter(server=server)}
    assert {
        (9001, "movie"),
        (9002, "episode"),
        (9003, "track"),
        (9005, "movie"),
    } <= played
    assert History.objects.filter(user_id=9003, media_type="track").count() == 2
    assert "Nothing is playing right now." in admin_client.get("/admin/activity/").content.decode()
