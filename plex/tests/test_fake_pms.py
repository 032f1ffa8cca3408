"""The fake PMS as plexapi sees it: real HTTP and a real websocket on loopback, plexapi unpatched.

Sessions come from the scripted viewers (``plex.testing.viewers``) rendered into recorded PMS XML;
the websocket carries PMS's ``playing`` notifications to plexapi's ``AlertListener``.
"""

import queue
import socket

import pytest
import requests
from plexapi.alert import AlertListener
from plexapi.exceptions import NotFound, Unauthorized
from plexapi.server import PlexServer

from plex.testing import FakePlexServer, Listing
from plex.testing.websocket import accept_key

TOKEN = "fake-pms-token-42"


@pytest.fixture
def pms(settings):
    with FakePlexServer(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def plex(pms):
    return PlexServer(pms.url, TOKEN, timeout=5)


def test_sessions_show_each_viewer_with_user_state_and_offset(pms, plex):
    alice = pms.viewer(user_id=11, user_title="alice", media_type="movie").play(offset_ms=60_000)
    bob = pms.viewer(user_id=22, user_title="bob", media_type="episode", location="wan").play()
    pms.viewer(user_id=33, media_type="track")  # never started: not a session
    pms.clock.advance(30)
    bob.pause()
    pms.clock.advance(100)  # bob is paused: his offset stays

    sessions = {s.sessionKey: s for s in plex.sessions()}
    assert sorted(sessions) == [int(alice.session_key), int(bob.session_key)]
    movie, episode = sessions[1], sessions[2]
    assert (movie.type, movie.ratingKey, movie.title) == ("movie", 1, "Movie 1")
    assert movie.usernames == ["alice"] and movie._userId == 11
    assert movie.players[0].state == "playing" and movie.viewOffset == 60_000 + 130_000
    assert movie.players[0].local is True and movie.session.location == "lan"
    assert (episode.type, episode.grandparentTitle, episode.title) == (
        "episode",
        "30 Rock",
        "Blind Date",
    )
    assert episode.usernames == ["bob"] and episode._userId == 22
    assert episode.players[0].state == "paused" and episode.viewOffset == 30_000
    assert episode.players[0].local is False and episode.session.location == "wan"


def test_buffer_resume_seek_and_stop_change_what_sessions_show(pms, plex):
    viewer = pms.viewer(user_id=5).play()
    pms.clock.advance(10)
    viewer.buffer()
    pms.clock.advance(5)
    [session] = plex.sessions()
    assert session.players[0].state == "buffering" and session.viewOffset == 10_000
    viewer.resume()
    pms.clock.advance(2)
    viewer.seek(1_000_000)
    pms.clock.advance(1)
    [session] = plex.sessions()
    assert session.players[0].state == "playing" and session.viewOffset == 1_001_000
    viewer.stop()
    assert plex.sessions() == []
    with pytest.raises(RuntimeError):
        viewer.pause()


@pytest.mark.parametrize(
    "decision, video_decision",
    [("directplay", None), ("copy", "copy"), ("transcode", "transcode")],
)
def test_transcode_session_only_when_not_direct_playing(pms, plex, decision, video_decision):
    pms.viewer(decision=decision).play()
    [session] = plex.sessions()
    if video_decision is None:
        assert session.transcodeSessions == []
        assert session.media[0].parts[0].decision == "directplay"
    else:
        [transcode] = session.transcodeSessions
        assert transcode.videoDecision == video_decision
        assert transcode.key == "/transcode/sessions/fake-transcode-1"


def test_track_and_live_tv_sessions(pms, plex):
    pms.viewer(user_id=7, media_type="track").play()
    pms.viewer(user_id=8, media_type="live", decision="transcode").play()
    track, live = sorted(plex.sessions(), key=lambda s: s.sessionKey)
    assert (track.type, track.title, track.grandparentTitle) == (
        "track",
        "Don't look back",
        "Télépopmusik",
    )
    assert track._userId == 7
    assert live.type == "episode" and live.live is True and live._userId == 8
    assert live.key == "/livetv/sessions/live_tv_2"


def test_fetch_item_from_recorded_metadata_and_from_a_viewer(pms, plex):
    movie = plex.fetchItem(1)
    assert (movie.title, movie.year, movie.duration) == ("Movie 1", 2000, 9_000_000)
    pms.viewer(media_type="episode", rating_key=4242)
    episode = plex.fetchItem(4242)
    assert (episode.type, episode.grandparentTitle, episode.ratingKey) == (
        "episode",
        "30 Rock",
        4242,
    )
    with pytest.raises(NotFound):
        plex.fetchItem(999)


def test_library_sections_from_the_recording(plex):
    sections = plex.library.sections()
    assert [(s.key, s.type, s.title) for s in sections] == [
        (1, "movie", "Movies"),
        (2, "show", "TV Shows"),
        (3, "artist", "Music"),
    ]


def test_paging_headers_window_the_container_and_report_total_size(pms, plex):
    for user_id in range(1, 6):
        pms.viewer(user_id=user_id).play()
    # plexapi pages with X-Plex-Container-Start/Size and stops on totalSize.
    sessions = plex.fetchItems("/status/sessions", container_size=2)
    assert [s.sessionKey for s in sessions] == [1, 2, 3, 4, 5]
    paged = [
        r.headers["x-plex-container-start"] for r in pms.requests if r.path == "/status/sessions"
    ]
    assert paged == ["0", "2", "4"]
    response = requests.get(
        f"{pms.url}/status/sessions",
        headers={
            "X-Plex-Token": TOKEN,
            "X-Plex-Container-Start": "1",
            "X-Plex-Container-Size": "2",
        },
        timeout=5,
    )
    assert 'size="2"' in response.text and 'totalSize="5"' in response.text
    assert 'offset="1"' in response.text
    assert response.text.count("<Video") == 2 and 'sessionKey="2"' in response.text


def test_a_listing_is_paged_by_slicing_its_rendered_items(pms, plex):
    items = [f'<Directory ratingKey="{n}" type="collection" title="C{n}" />' for n in range(5)]
    pms.route("/library/collections", Listing(items, {"librarySectionID": "1"}))
    collections = plex.fetchItems("/library/collections", container_size=2)
    assert [c.title for c in collections] == ["C0", "C1", "C2", "C3", "C4"]
    response = requests.get(
        f"{pms.url}/library/collections",
        headers={
            "X-Plex-Token": TOKEN,
            "X-Plex-Container-Start": "3",
            "X-Plex-Container-Size": "9",
        },
        timeout=5,
    )
    assert response.text == (
        '<MediaContainer librarySectionID="1" size="2" totalSize="5" offset="3">'
        f"{items[3]}{items[4]}</MediaContainer>"
    )
    whole = requests.get(
        f"{pms.url}/library/collections", headers={"X-Plex-Token": TOKEN}, timeout=5
    )
    assert whole.text.startswith('<MediaContainer librarySectionID="1" size="5">')


def test_wrong_token_is_refused_everywhere(pms):
    with pytest.raises(Unauthorized):
        PlexServer(pms.url, "wrong-token", timeout=5)
    for path in ("/status/sessions", "/library/metadata/1", "/library/sections"):
        response = requests.get(f"{pms.url}{path}", headers={"X-Plex-Token": "nope"}, timeout=5)
        assert response.status_code == 401
    response = requests.get(
        f"{pms.url}/:/websockets/notifications?X-Plex-Token=nope",
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
        timeout=5,
    )
    assert response.status_code == 401


def test_alert_listener_receives_play_pause_stop_in_order(pms, plex):
    received: queue.Queue = queue.Queue()
    listener = AlertListener(plex, received.put)
    listener.start()
    try:
        assert pms.wait_for_websockets(1), "AlertListener never connected"
        viewer = pms.viewer(user_id=9, decision="transcode").play()
        pms.clock.advance(42)
        viewer.pause()
        viewer.stop()
        messages = [received.get(timeout=5) for _ in range(3)]
    finally:
        listener.stop()
    assert [m["type"] for m in messages] == ["playing"] * 3
    notes = [m["PlaySessionStateNotification"][0] for m in messages]
    assert [(n["state"], n["viewOffset"]) for n in notes] == [
        ("playing", 0),
        ("paused", 42_000),
        ("stopped", 42_000),
    ]
    assert {n["sessionKey"] for n in notes} == {"1"}
    assert {n["ratingKey"] for n in notes} == {"1"}
    assert {n["key"] for n in notes} == {"/library/metadata/1"}
    assert {n["transcodeSession"] for n in notes} == {"fake-transcode-1"}
    ws_requests = [r for r in pms.requests if r.path == "/:/websockets/notifications"]
    assert [r.token for r in ws_requests] == [TOKEN]


def test_direct_play_notifications_have_no_transcode_session(pms):
    viewer = pms.viewer().play()
    viewer.stop()
    notes = [
        m["NotificationContainer"]["PlaySessionStateNotification"][0]
        for m in pms.timeline.notifications
    ]
    assert [n["state"] for n in notes] == ["playing", "stopped"]
    assert all("transcodeSession" not in n for n in notes)


def test_websocket_answers_ping_with_pong_and_close_with_close(pms):
    """RFC 6455 by hand: handshake, a masked ping, a masked close."""
    import base64
    import os
    import struct

    host, port = pms.url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            (
                f"GET /:/websockets/notifications?X-Plex-Token={TOKEN} HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101")
        assert f"Sec-WebSocket-Accept: {accept_key(key)}".encode() in head

        def send(opcode, payload):
            mask = os.urandom(4)
            masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            sock.sendall(struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked)

        def recv():
            first, length = sock.recv(2)
            return first & 0x0F, sock.recv(length & 0x7F) if length else b""

        send(0x9, b"hi")
        assert recv() == (0xA, b"hi")
        send(0x8, struct.pack("!H", 1000))
        assert recv() == (0x8, struct.pack("!H", 1000))


def test_section_listings_count_the_items_viewers_watch(pms, plex):
    pms.viewer(user_id=1, media_type="movie")
    pms.viewer(user_id=2, media_type="movie")  # the same movie: counted once
    pms.viewer(user_id=3, media_type="episode")
    movies = plex.library.sectionByID(1)
    assert movies.totalViewSize(libtype="movie", includeCollections=False) == 1
    assert (
        plex.library.sectionByID(2).totalViewSize(libtype="episode", includeCollections=False) == 1
    )
    assert plex.library.sectionByID(2).totalViewSize(libtype="show", includeCollections=False) == 0


def test_restarted_on_the_same_port_after_an_outage(pms):
    url = pms.url
    viewer = pms.viewer(user_id=9).play()
    pms.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{url}/identity", timeout=5)
    pms.clock.advance(60)  # the viewers go on while the server is away
    pms.start()
    assert pms.url == url
    sessions = PlexServer(url, TOKEN, timeout=5).sessions()
    assert [(s.sessionKey, s.viewOffset) for s in sessions] == [(int(viewer.session_key), 60_000)]


def test_silenced_websockets_stay_open_and_send_nothing(pms, plex):
    received: queue.Queue = queue.Queue()
    listener = AlertListener(plex, received.put)
    listener.start()
    try:
        assert pms.wait_for_websockets(1)
        pms.silence_websockets()
        viewer = pms.viewer(user_id=9).play()
        viewer.stop()
        with pytest.raises(queue.Empty):
            received.get(timeout=0.3)
        assert listener.is_alive() and not pms.websockets[0].closed.is_set()
    finally:
        pms.stop()  # shuts the socket: the listener sees the end of the stream
        listener.join(5)
    assert not listener.is_alive() and pms.websocket_opened == 1


def test_dropped_websockets_are_refused_until_accepted_while_http_answers(pms, plex):
    listener = AlertListener(plex, lambda data: None)
    listener.start()
    assert pms.wait_for_websockets(1)
    pms.drop_websockets()
    listener.join(5)
    assert not listener.is_alive()  # PMS closed it
    errors: queue.Queue = queue.Queue()
    refused = AlertListener(plex, lambda data: None, errors.put)
    refused.start()
    refused.join(5)
    assert "503" in str(errors.get(timeout=1))
    assert plex.sessions() == []  # HTTP still answers
    pms.accept_websockets()
    again = AlertListener(plex, lambda data: None)
    again.start()
    try:
        assert pms.wait_for_websockets(1)
    finally:
        again.stop()
    assert pms.websocket_opened == 2
