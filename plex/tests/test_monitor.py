"""The monitor end to end: real threads, plexapi's AlertListener on the fake's websocket.

The monitor's clock is the fake PMS's clock, so durations are exact even though the websocket
and the threads are real; the tests wait for the monitor to catch up with :func:`eventually`.
Its waits (backoff, polls, websocket silence) are measured on that clock too, with the real
intervals (5 → 30 s, 10 s, 45 s): a 160 s outage is the test moving the clock, not waiting.
"""

import socket
import time
from contextlib import contextmanager

import pytest

from history.models import History
from plex.monitor import Monitor, ServerMonitor
from plex.testing import FakePlexServer
from servers.models import Server, Session

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "fake-token-monitor"
T0 = 1_795_000_000


def eventually(condition, timeout=10.0, message="condition never became true"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_fake(
    port=0, name="Fake Plex Server", machine="fakepms0000000000000000000000000000000001"
):
    fake = FakePlexServer(token=TOKEN, port=port, name=name, machine_identifier=machine).start()
    fake.clock.now_ms = T0 * 1000
    return fake


def add_server(fake, name="Home", token=TOKEN):
    return Server.objects.create(
        name=name, url=fake.url, token=token, machine_identifier=fake.machine_identifier
    )


def watch(fake, server, **kwargs):
    """A started :class:`ServerMonitor` of ``server`` on the fake's clock (the production
    intervals, looked at every 20 ms of real time)."""
    monitor = ServerMonitor(
        server, clock=lambda: fake.clock.now_ms / 1000, tick=0.02, timeout=3, **kwargs
    )
    monitor.start()
    return monitor


@contextmanager
def connected(fake, server, **kwargs):
    """:func:`watch` ``server`` until the block ends, its websocket open when the block starts."""
    monitor = watch(fake, server, **kwargs)
    try:
        assert fake.wait_for_websockets(1)
        eventually(lambda: monitor.connected.is_set())
        yield monitor
    finally:
        monitor.stop()
        monitor.join(5)


def now_of(fake) -> int:
    return fake.clock.now_ms // 1000


def play_on(fake, seconds, *others, step=10, watched=True):
    """Let ``seconds`` pass on the fake's clock with PMS's periodic progress notifications
    (every ``step`` s, as PMS sends one about every 10 s for each active stream, paused or not),
    also for the ``others`` fakes sharing that clock. When a monitor is ``watched``-ing, wait for
    it to take each notification (or poll) before moving the clock on (the monitor is
    asynchronous; a clock racing ahead would make streams look silent)."""
    while seconds > 0:
        fake.clock.advance(min(step, seconds))
        seconds -= step
        for pms in (fake, *others):
            for viewer in pms.timeline.active():
                viewer.seek(viewer.view_offset)
        if watched:
            now = fake.clock.now_ms // 1000
            eventually(
                lambda now=now: (
                    not Session.objects.filter(
                        state__in=("playing", "paused", "buffering"), stopped__lt=now
                    ).exists()
                ),
                message="the monitor did not take the progress notifications",
            )


def session_state(key="1"):
    row = Session.objects.filter(session_key=int(key)).first()
    return row.state if row else None


@pytest.fixture
def fake():
    pms = start_fake()
    yield pms
    pms.stop()


def test_plays_seen_on_the_websocket_become_history(fake):
    server = add_server(fake)
    with connected(fake, server):
        viewer = fake.viewer(user_id=11).play()
        eventually(lambda: session_state() == "playing")
        play_on(fake, 300)
        viewer.pause()
        eventually(lambda: session_state() == "paused")
        play_on(fake, 60)
        viewer.stop()
        eventually(lambda: History.objects.exists())
    row = History.objects.get()
    assert (row.play_duration, row.paused_counter) == (300, 60)
    server.refresh_from_db()
    assert server.connected is True


def test_the_monitor_killed_mid_play_and_restarted_logs_the_play_once(fake):
    server = add_server(fake)
    first = watch(fake, server)
    assert fake.wait_for_websockets(1)
    viewer = fake.viewer(user_id=11).play()
    eventually(lambda: session_state() == "playing")
    first.stop()
    first.join(5)
    # While nobody watches, the stream goes on for 20 minutes.
    play_on(fake, 1200, watched=False)
    second = watch(fake, server)
    try:
        assert fake.wait_for_websockets(1)
        eventually(lambda: second.connected.is_set())
        play_on(fake, 600)
        viewer.stop()
        eventually(lambda: History.objects.exists())
    finally:
        second.stop()
        second.join(5)
    row = History.objects.get()
    assert (row.started.timestamp(), row.stopped.timestamp()) == (T0, T0 + 1800)
    assert row.play_duration == 1800


def test_a_play_that_ended_while_the_monitor_was_down_is_logged_at_its_last_known_time(fake):
    server = add_server(fake)
    first = watch(fake, server)
    assert fake.wait_for_websockets(1)
    viewer = fake.viewer(user_id=11).play()
    eventually(lambda: session_state() == "playing")
    play_on(fake, 600)
    viewer.pause()
    eventually(lambda: session_state() == "paused")
    first.stop()
    first.join(5)
    fake.clock.advance(60)
    viewer.stop()
    fake.clock.advance(3600)
    second = watch(fake, server)
    try:
        eventually(lambda: History.objects.exists())
    finally:
        second.stop()
        second.join(5)
    row = History.objects.get()
    assert row.stopped.timestamp() == T0 + 600 and row.play_duration == 600
    assert not Session.objects.exists()


def test_the_server_going_down_mid_play_and_coming_back(settings):
    port = free_port()
    pms = start_fake(port=port)
    server = add_server(pms)
    monitor = watch(pms, server)
    try:
        assert pms.wait_for_websockets(1)
        viewer = pms.viewer(user_id=11).play()
        eventually(lambda: session_state() == "playing")
        pms.stop()  # PMS goes away; the stream's state is kept by the fake's timeline
        eventually(lambda: Server.objects.get().connected is False, message="never marked down")
        assert Session.objects.get().state == "playing"  # nothing written while unsure
        play_on(pms, 900, watched=False)
        pms.start()  # back on the same port
        eventually(lambda: Server.objects.get().connected is True, message="never marked up")
        assert pms.wait_for_websockets(1)
        play_on(pms, 300)
        viewer.stop()
        eventually(lambda: History.objects.exists())
    finally:
        monitor.stop()
        monitor.join(5)
        pms.stop()
    row = History.objects.get()
    assert row.play_duration == 1200


def test_two_servers_are_watched_at_once_and_a_bad_one_does_not_disturb_the_other():
    home = start_fake(name="Home", machine="a" * 40)
    cabin = start_fake(name="Cabin", machine="b" * 40)
    broken = start_fake(name="Broken", machine="c" * 40)
    cabin.timeline.clock = home.clock  # one clock for the monitor and both servers
    add_server(home, "Home")
    add_server(cabin, "Cabin")
    add_server(broken, "Broken", token="wrong-token")
    monitor = Monitor(
        reload_seconds=0.2,
        clock=lambda: home.clock.now_ms / 1000,
        tick=0.1,
        backoff_start=0.2,
        backoff_max=0.5,
        timeout=3,
    )
    monitor.sync_servers()
    try:
        assert home.wait_for_websockets(1) and cabin.wait_for_websockets(1)
        a = home.viewer(user_id=11).play()
        b = cabin.viewer(user_id=22, media_type="episode").play()
        eventually(lambda: Session.objects.count() == 2)
        play_on(home, 600, cabin)
        a.stop()
        b.stop()
        eventually(lambda: History.objects.count() == 2)
        eventually(lambda: Server.objects.get(name="Broken").connected is False)
    finally:
        monitor.shutdown()
        for fake in (home, cabin, broken):
            fake.stop()
    rows = {row.server.name: row for row in History.objects.select_related("server")}
    assert rows["Home"].user_id == 11 and rows["Cabin"].user_id == 22
    broken_server = Server.objects.get(name="Broken")
    assert broken_server.last_error.startswith("Unauthorized")
    assert "wrong-token" not in broken_server.last_error


def elapse(fake, seconds, step=10):
    """Move the fake's clock ``seconds`` on, ``step`` s at a time, giving the monitor a few of
    its ticks at each (it may act at any of them: nothing here depends on when)."""
    while seconds > 0:
        fake.clock.advance(min(step, seconds))
        seconds -= step
        time.sleep(0.06)


def test_a_play_that_starts_when_the_server_is_back_from_a_160_s_outage_is_logged():
    pms = start_fake(port=free_port())
    server = add_server(pms)
    monitor = watch(pms, server)
    try:
        assert pms.wait_for_websockets(1)
        eventually(lambda: monitor.connected.is_set())
        pms.stop()
        eventually(lambda: Server.objects.get().connected is False, message="never marked down")
        elapse(pms, 160)  # the monitor's attempts fail, its backoff grows
        back = now_of(pms)
        viewer = pms.viewer(user_id=11).play()  # a 140 s movie, from the moment PMS is back
        viewer.duration_ms = 140_000
        pms.start()
        pms.clock.advance(10)
        # Within one poll (10 s) the play is followed, and the websocket is open again.
        eventually(lambda: session_state() == "playing", message="the play was not seen")
        assert pms.wait_for_websockets(1)
        eventually(lambda: monitor.connected.is_set())
        assert Session.objects.get().started in (back, back + 10)
        play_on(pms, 130)
        viewer.stop()
        eventually(lambda: History.objects.exists(), message="the play was not logged")
    finally:
        monitor.stop()
        monitor.join(5)
        pms.stop()
    row = History.objects.get()
    assert row.stopped.timestamp() == back + 140
    assert row.play_duration >= 130
    assert Server.objects.get().connected is True


def test_a_websocket_that_stops_sending_without_closing_is_reconnected_within_a_minute(fake):
    server = add_server(fake)
    with connected(fake, server) as monitor:
        viewer = fake.viewer(user_id=11).play()
        eventually(lambda: session_state() == "playing")
        play_on(fake, 60)
        dead = fake.websockets[0]
        fake.silence_websockets()  # open, but nothing more arrives: no news, no close
        silent_from = now_of(fake)
        play_on(fake, 20, watched=False)
        viewer.pause()  # PMS says so on the dead connection: lost
        play_on(fake, 30, watched=False)
        # 50 s of silence while a stream is active: taken for dead, closed, reconciled.
        eventually(lambda: fake.websocket_opened == 2, message="never reconnected")
        eventually(lambda: dead.closed.is_set(), message="the dead websocket was left open")
        eventually(lambda: session_state() == "paused", message="its stream was not reconciled")
        row = Session.objects.get()
        assert row.stopped == silent_from + 50 and row.view_offset == 80_000
        assert fake.wait_for_websockets(1)
        eventually(lambda: monitor.connected.is_set())
        viewer.resume()  # heard on the new websocket
        eventually(lambda: session_state() == "playing")
        play_on(fake, 60)
        viewer.stop()
        eventually(lambda: History.objects.exists())
    row = History.objects.get()
    assert row.stopped.timestamp() == silent_from + 110
    assert History.objects.count() == 1


def test_a_quiet_websocket_that_answers_pings_is_kept(fake):
    server = add_server(fake)
    with connected(fake, server) as monitor:
        ws = fake.websockets[0]
        for pings in (1, 2):  # nothing plays, PMS has nothing to say
            elapse(fake, 50)
            eventually(lambda pings=pings: ws.pings == pings, message="never pinged")
            eventually(lambda: not monitor.awaiting_pong, message="the pong was not seen")
        elapse(fake, 10)
        assert fake.websocket_opened == 1 and monitor.connected.is_set()


def test_a_quiet_websocket_that_stopped_answering_is_reconnected_and_its_missed_play_seen(fake):
    server = add_server(fake)
    with connected(fake, server) as monitor:
        dead = fake.websockets[0]
        fake.silence_websockets()
        silent_from = now_of(fake)
        elapse(fake, 40)
        viewer = fake.viewer(user_id=11).play()  # never heard of on the dead websocket
        fake.clock.advance(10)
        eventually(lambda: dead.pings == 1, message="the quiet websocket was not pinged")
        fake.clock.advance(10)  # no pong within 10 s: dead
        eventually(lambda: fake.websocket_opened == 2, message="never reconnected")
        eventually(lambda: session_state() == "playing", message="the play was not seen")
        assert Session.objects.get().started == silent_from + 60
        assert fake.wait_for_websockets(1)
        eventually(lambda: monitor.connected.is_set())
        play_on(fake, 200)
        viewer.stop()
        eventually(lambda: History.objects.exists())
    assert History.objects.get().play_duration == 200


def test_while_the_websocket_is_refused_the_polls_alone_follow_and_log_a_play(fake):
    server = add_server(fake)
    with connected(fake, server) as monitor:
        fake.drop_websockets()  # closed and refused; HTTP still answers
        eventually(lambda: not monitor.connected.is_set())
        started = now_of(fake)
        viewer = fake.viewer(user_id=11).play()
        fake.clock.advance(10)
        eventually(lambda: session_state() == "playing", message="the poll did not see the play")
        play_on(fake, 290)
        viewer.pause()
        play_on(fake, 30)
        assert session_state() == "paused"
        viewer.stop()
        stopped = now_of(fake)
        fake.clock.advance(10)
        eventually(lambda: History.objects.exists(), message="the poll did not log the play")
        assert fake.websocket_opened == 1 and not monitor.connected.is_set()
        server.refresh_from_db()
        assert server.connected is True and server.websocket_connected is False
        # Websockets accepted again: the next attempt, at most 30 s away, opens one.
        fake.accept_websockets()
        accepted = now_of(fake)
        planned = []  # the monitor's next attempt as it waits (clock held: no attempt is due)

        def reconnected_or_waiting():
            planned[:] = [monitor.next_attempt_at]
            return fake.websocket_opened == 2 or planned[0] is not None

        eventually(reconnected_or_waiting)
        assert planned[0] is None or planned[0] <= accepted + 30
        elapse(fake, 30)
        eventually(lambda: fake.websocket_opened == 2, message="not reconnected within 30 s")
    row = History.objects.get()
    assert row.stopped.timestamp() == stopped
    assert started <= row.started.timestamp() <= started + 10
    assert row.paused_counter in (20, 30)  # the pause is seen by the next poll, within 10 s
