"""Demo mode: a fake Plex Media Server with scripted viewers, for trying the project without Plex.

``python manage.py demo_pms`` (started by ``scripts/run`` when no Plex server is configured and
``PLEX_URL``/``PLEX_TOKEN`` are not set) runs :class:`plex.testing.FakePlexServer` on loopback
with a real-time clock and :data:`SCRIPT`: five people on six sessions (two movies, an episode, two
tracks, live TV; direct play, direct stream and transcode; LAN, WAN and cellular) who play, pause,
buffer, resume and stop, over a loop of :data:`LOOP_SECONDS` (10 minutes) that starts again
forever. It also creates (once) and updates the :class:`~servers.models.Server` row
:data:`DEMO_NAME`, recognised by its machine identifier :data:`DEMO_MACHINE_IDENTIFIER` (and a
loopback URL), so the monitor (``manage.py monitor``) watches it like a real server: streams show
on the admin's Activity page and become history when they stop. Once a real server is configured
(or ``PLEX_URL``/``PLEX_TOKEN`` set), ``demo_pms --auto`` removes the demo and what it recorded
(:func:`remove_demo`).

Timing, so that something is logged within minutes: movies and episodes play 4 to 6.5 minutes
(more than ``LOGGING_IGNORE_INTERVAL``, 120 s, below which they are not logged); tracks play
2.5 minutes; the first plays end (and are written to history) about 2.5 minutes after the start.
Like PMS, the fake sends a progress notification for each playing or paused session every
:data:`HEARTBEAT_SECONDS`.

Only the fake's public API is used: ``pms.viewer(...)`` and the viewers' ``play``/``pause``/
``resume``/``buffer``/``seek``/``stop``, and ``pms.clock``.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core import clock
from servers.models import DEMO_MACHINE_IDENTIFIER

if TYPE_CHECKING:  # the fake (and Django settings) are loaded only when the demo runs
    from plex.testing import FakePlexServer
    from servers.models import Server

logger = logging.getLogger(__name__)

DEMO_NAME = "Demo Plex Server (scripted viewers, not a real server)"
DEMO_PORT = 32499
LOOP_SECONDS = 600
HEARTBEAT_SECONDS = 10

# Who plays what: keyword arguments of FakePlexServer.viewer (see plex.testing.viewers.Viewer).
# Addresses are from the documentation ranges (RFC 1918 for the LAN, RFC 5737 for the internet).
VIEWERS: dict[str, dict] = {
    "alice": {
        "user_id": 9001,
        "user_title": "Alice",
        "media_type": "movie",
        "rating_key": 101,
        "duration_ms": 596_000,
        "decision": "directplay",
        "location": "lan",
        "address": "192.168.1.20",
        "machine_identifier": "demo-living-room-tv",
        "player_title": "Living Room TV",
        "platform": "Android",
        "bandwidth": 8_200,
        "attributes": {
            "title": "Big Buck Bunny",
            "year": "2008",
            "originallyAvailableAt": "2008-05-20",
            "guid": "plex://movie/demo-big-buck-bunny",
            "studio": "Blender Foundation",
            "summary": "A giant rabbit takes revenge on three bullying rodents.",
        },
    },
    "carol_1": {
        "user_id": 9003,
        "user_title": "Carol",
        "media_type": "track",
        "rating_key": 301,
        "duration_ms": 150_000,
        "decision": "copy",
        "location": "cellular",
        "address": "198.51.100.23",
        "public_address": "198.51.100.23",
        "machine_identifier": "demo-carols-phone",
        "player_title": "Carol's Phone",
        "platform": "Android",
        "bandwidth": 320,
    },
    "bob": {
        "user_id": 9002,
        "user_title": "Bob",
        "media_type": "episode",
        "rating_key": 201,
        "duration_ms": 1_320_000,
        "decision": "transcode",
        "location": "wan",
        "address": "203.0.113.7",
        "public_address": "203.0.113.7",
        "machine_identifier": "demo-bobs-iphone",
        "player_title": "Bob's iPhone",
        "platform": "iOS",
        "bandwidth": 4_300,
    },
    "carol_2": {
        "user_id": 9003,
        "user_title": "Carol",
        "media_type": "track",
        "rating_key": 302,
        "duration_ms": 170_000,
        "decision": "copy",
        "location": "cellular",
        "address": "198.51.100.23",
        "public_address": "198.51.100.23",
        "machine_identifier": "demo-carols-phone",
        "player_title": "Carol's Phone",
        "platform": "Android",
        "bandwidth": 320,
        "attributes": {"title": "Breathe", "guid": "plex://track/demo-breathe"},
    },
    "dave": {
        "user_id": 9004,
        "user_title": "Dave",
        "media_type": "live",
        "decision": "copy",
        "location": "lan",
        "address": "192.168.1.31",
        "machine_identifier": "demo-bedroom-tv",
        "player_title": "Bedroom TV",
        "platform": "Roku",
        "bandwidth": 9_800,
    },
    "erin": {
        "user_id": 9005,
        "user_title": "Erin",
        "media_type": "movie",
        "rating_key": 102,
        "duration_ms": 888_000,
        "decision": "transcode",
        "location": "wan",
        "address": "198.51.100.77",
        "public_address": "198.51.100.77",
        "machine_identifier": "demo-erins-laptop",
        "player_title": "Erin's Laptop",
        "platform": "Chrome",
        "bandwidth": 3_500,
        "attributes": {
            "title": "Sintel",
            "year": "2010",
            "originallyAvailableAt": "2010-09-27",
            "guid": "plex://movie/demo-sintel",
            "studio": "Blender Foundation",
            "summary": "A lonely young woman searches for her baby dragon.",
        },
    },
}


@dataclass(frozen=True)
class Step:
    """At ``at`` seconds into the loop, ``viewer`` does ``action`` (play/pause/resume/buffer/
    stop); ``offset_ms`` is where ``play`` starts."""

    at: float
    viewer: str
    action: str
    offset_ms: int = 0


# One loop (sorted by time). Alice watches the end of her movie (watched), Erin a quarter of
# hers with a long pause, Bob's transcoded episode buffers once, Carol plays two tracks in a row
# on her phone, Dave watches live TV.
SCRIPT: tuple[Step, ...] = (
    Step(0, "alice", "play", offset_ms=180_000),
    Step(10, "carol_1", "play"),
    Step(30, "bob", "play", offset_ms=600_000),
    Step(90, "bob", "buffer"),
    Step(96, "bob", "resume"),
    Step(120, "alice", "pause"),
    Step(150, "alice", "resume"),
    Step(160, "carol_1", "stop"),
    Step(162, "carol_2", "play"),
    Step(200, "dave", "play"),
    Step(240, "erin", "play"),
    Step(300, "bob", "stop"),
    Step(332, "carol_2", "stop"),
    Step(360, "erin", "pause"),
    Step(420, "erin", "resume"),
    Step(420, "alice", "stop"),
    Step(480, "dave", "stop"),
    Step(560, "erin", "stop"),
)


def is_demo(server: Server) -> bool:
    """Whether ``server`` is the demo's row (:attr:`servers.models.Server.is_demo`)."""
    return server.is_demo


@dataclass
class DemoScript:
    """Drives the viewers of ``pms`` through ``script`` on ``pms.clock``, looping every
    ``loop_seconds`` from the clock's time at creation.

    Call :meth:`tick` after moving the clock (a real-time thread does it every second in
    :func:`run`; tests advance the fake clock themselves). A step that no longer applies (e.g. a
    session stopped meanwhile with ``terminate_session``) is skipped.
    """

    pms: FakePlexServer
    script: tuple[Step, ...] = SCRIPT
    loop_seconds: float = LOOP_SECONDS
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    viewers: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.viewers:
            self.viewers = {key: self.pms.viewer(**dict(kw)) for key, kw in VIEWERS.items()}
        self.start_ms = self.pms.clock.now_ms
        self.loop = 0
        self.next_step = 0
        self._last_event_ms: dict[str, int] = {}

    def tick(self) -> list[str]:
        """Apply every step due at the clock's time, then the heartbeats; returns what was done
        (``"alice play"``...), for logging."""
        now_ms = self.pms.clock.now_ms
        elapsed = (now_ms - self.start_ms) / 1000
        done = []
        while True:
            loop_start = self.loop * self.loop_seconds
            if self.next_step < len(self.script):
                step = self.script[self.next_step]
                if loop_start + step.at > elapsed:
                    break
                self.next_step += 1
                if self._apply(step, now_ms):
                    done.append(f"{step.viewer} {step.action}")
            elif elapsed >= loop_start + self.loop_seconds:
                self.loop += 1
                self.next_step = 0
            else:
                break
        self._heartbeats(now_ms)
        return done

    def _apply(self, step: Step, now_ms: int) -> bool:
        viewer = self.viewers[step.viewer]
        try:
            if step.action == "play":
                viewer.play(step.offset_ms)
            else:
                getattr(viewer, step.action)()
        except RuntimeError as exc:  # e.g. stopped from the admin or the API meanwhile
            logger.info("Demo: skipped %s %s (%s).", step.viewer, step.action, exc)
            return False
        self._last_event_ms[step.viewer] = now_ms
        return True

    def _heartbeats(self, now_ms: int) -> None:
        """PMS repeats a ``playing``/``paused`` notification for each session every ~10 s."""
        for key, viewer in self.viewers.items():
            if viewer.state not in ("playing", "paused"):
                continue
            if now_ms - self._last_event_ms.get(key, 0) >= self.heartbeat_seconds * 1000:
                viewer.seek(viewer.view_offset)  # same state and offset: a progress report
                self._last_event_ms[key] = now_ms


def register_server(url: str, token: str, version: str = "") -> Server:
    """Create (once) or update the demo's :class:`~servers.models.Server` row; returns it.

    Found by :data:`DEMO_MACHINE_IDENTIFIER`: its URL, token and version are set and it is made
    active; a name changed in the admin is kept.
    """
    from servers.models import Server

    server, _created = Server.objects.update_or_create(
        machine_identifier=DEMO_MACHINE_IDENTIFIER,
        defaults={"url": url, "token": token, "is_active": True, "version": version},
        create_defaults={
            "name": DEMO_NAME,
            "url": url,
            "token": token,
            "is_active": True,
            "version": version,
        },
    )
    return server


def demo_token() -> str:
    """The demo row's token when there is one (so a restart changes nothing the monitor
    follows), else a new random one."""
    from servers.models import Server

    existing = (
        Server.objects.filter(machine_identifier=DEMO_MACHINE_IDENTIFIER)
        .values_list("token", flat=True)
        .first()
    )
    return existing or secrets.token_hex(16)


def demo_server() -> Server | None:
    """The demo's row (see :func:`is_demo`), if there is one."""
    from servers.models import Server

    server = Server.objects.filter(machine_identifier=DEMO_MACHINE_IDENTIFIER).first()
    return server if server is not None and is_demo(server) else None


def demo_wanted(environ) -> tuple[bool, str]:
    """(whether the demo should start, why not): not when ``PLEX_URL`` or ``PLEX_TOKEN`` is set,
    nor when a server other than the demo's is configured (active or not) with a URL. A server
    imported from Tautulli has none until its URL is entered: the demo goes on meanwhile."""
    from servers.models import Server

    if (environ.get("PLEX_URL") or "").strip() or (environ.get("PLEX_TOKEN") or "").strip():
        return False, "PLEX_URL/PLEX_TOKEN is set"
    demo = demo_server()
    if Server.objects.exclude(pk=demo.pk if demo else None).exclude(url="").exists():
        return False, "a Plex server is configured"
    return True, ""


def remove_demo() -> bool:
    """Delete the demo's row and everything it recorded, once a real server is configured: its
    history, sessions, libraries and recently added, and the placeholder users of its scripted
    viewers that no other history refers to. Scripted plays must not count in the real
    statistics, and the demo must not stay the first server (the one /api/v2 commands answer for
    without ``server``). Returns whether there was a demo to remove."""
    from django.db import transaction

    server = demo_server()
    if server is None:
        return False
    with transaction.atomic():
        remove_demo_plays(server)
        server.delete()  # sessions, libraries, recently added: cascaded
    logger.info("Demo server removed: a real Plex server is configured.")
    return True


def remove_demo_plays(server: Server | None = None) -> int:
    """Delete the scripted plays the demo wrote to history (``server``: the demo's row, default
    :func:`demo_server`) and its viewers' placeholder users that no other history refers to;
    returns how many history rows went. Used by :func:`remove_demo` and by the Tautulli import,
    so that scripted plays neither take the ids of an imported history nor count in its
    statistics. In the caller's transaction."""
    from history.models import History
    from users.models import User

    server = server or demo_server()
    if server is None:
        return 0
    plays = History.objects.filter(server=server)
    rows = plays.count()
    plays.delete()
    user_ids = {kwargs["user_id"] for kwargs in VIEWERS.values()}
    User.objects.filter(user_id__in=user_ids, placeholder=True, history__isnull=True).delete()
    return rows


def start(port: int = DEMO_PORT, host: str = "127.0.0.1") -> tuple[FakePlexServer, Server]:
    """Start the fake PMS on ``host:port`` with its clock at the current time, and register it.
    Raises OSError when the port is taken."""
    from plex.testing import FakePlexServer
    from plex.testing.collection_writes import add_collection_writes
    from plex.testing.media_routes import add_inventory_sections
    from plex.testing.recently_added import add_recently_added

    pms = FakePlexServer(
        token=demo_token(),
        name=DEMO_NAME,
        machine_identifier=DEMO_MACHINE_IDENTIFIER,
        host=host,
        port=port,
    )
    pms.clock.now_ms = int(clock.epoch() * 1000)
    # The recorded libraries' items (movies, shows, music added years ago, mostly unwatched):
    # an inventory for the library pages and the housekeeping rules to work on, and
    # collections a rule set's "leaving soon" collection can be written to; items added over
    # the last days for the recently-added newsletter.
    add_inventory_sections(pms)
    add_collection_writes(pms)
    add_recently_added(pms, now=clock.epoch())
    pms.start()
    server = register_server(pms.url, pms.token, pms.version)
    return pms, server


def run(pms: FakePlexServer, stop: threading.Event, *, script: DemoScript | None = None) -> None:
    """Until ``stop`` is set: keep ``pms.clock`` on the wall clock (once a second) and play the
    script. The clock only moves forward."""
    script = script or DemoScript(pms)
    origin_ms = pms.clock.now_ms
    origin = time.monotonic()
    while True:
        target_ms = origin_ms + int((time.monotonic() - origin) * 1000)
        if target_ms > pms.clock.now_ms:
            pms.clock.advance((target_ms - pms.clock.now_ms) / 1000)
        for line in script.tick():
            logger.info("Demo: %s.", line)
        if stop.wait(1.0):
            return
