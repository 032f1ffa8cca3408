"""The long-running monitor: one websocket per server (``python manage.py monitor``).

For each active :class:`~servers.models.Server` a :class:`ServerMonitor` thread:

1. reaches PMS (``plex.client.connect``) and reconciles its sessions (:mod:`plex.activity.reconcile`:
   streams that ended while we were away are written to history once, with their last known
   offset and time; streams still playing carry on in the same row);
2. opens the notifications websocket with plexapi's ``AlertListener``; the listener's thread only
   queues each message, and this thread feeds each ``playing`` notification to the
   :class:`~plex.activity.handler.ActivityHandler` and each ``timeline`` notification to the
   recently-added queue (:mod:`plex.activity.recently_added`), in order, and a ``reachability``
   notification re-reads remote access (:mod:`plex.activity.remote_access`);
3. every :data:`TICK_SECONDS` while connected: force-stops stale streams (no event for 5 min),
   retries failed history writes and releases due recently-added groups;
4. treats a websocket silent for :data:`SILENCE_SECONDS` while streams are active as dead (PMS
   reports each active stream about every 10 s, so a connection that stopped sending without
   closing is noticed within a minute), and a websocket that quiet with nothing playing as dead
   when it does not answer a ping within :data:`PONG_SECONDS`: it is closed, and the
   reconnection reconciles;
5. while the websocket is down, reads ``/status/sessions`` itself every :data:`POLL_SECONDS`
   (the reconciling poll), so plays during a websocket outage are followed and logged; when PMS
   itself does not answer nothing is written for live streams (they carry on, or are closed at
   their last known time, once it answers again) and the server is marked down (on_intdown
   after 60 s), with one log line per change of state;
6. reconnects with exponential backoff (:data:`BACKOFF_START` doubling up to :data:`BACKOFF_MAX`
   seconds), at once when a poll finds a server that was down answering again. Other servers'
   threads are not affected.

Every wait is measured on the monitor's ``clock`` (epoch seconds, injectable), checked every
``tick`` seconds of real time, so tests drive a whole outage with the fake PMS's clock.

:class:`Monitor` runs the threads and follows servers added, edited (URL/token) or deactivated in
the admin, checking every :data:`RELOAD_SECONDS`.
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from django.conf import settings
from django.core.cache import caches
from django.db import close_old_connections, connection
from websocket import WebSocketException

from core.clock import epoch
from servers.models import Server, Session

from .activity import recently_added, remote_access
from .activity.handler import ActivityHandler
from .activity.reachability import mark_down, note_failure, set_websocket
from .activity.reconcile import ReconcileResult, reconcile
from .client import (
    PLEX_ERRORS,
    PlexUnavailable,
    connect,
    describe_error,
    forget,
)

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0  # real seconds between two looks at the clock, the queue and the schedules
BACKOFF_START = (
    5.0  # s before the first reconnect attempt (Tautulli's WEBSOCKET_CONNECTION_TIMEOUT)
)
# s: the longest wait between reconnect attempts, so a server back from an outage is watched
# again within 30 s (issue 10: with 5 min, a play that started when it came back was missed).
BACKOFF_MAX = 30.0
POLL_SECONDS = 10.0  # s between two reads of /status/sessions while the websocket is down
# s of websocket silence, while streams are active, after which the connection is taken for dead:
# PMS reports each active stream about every 10 s (its ``playing`` notifications), so this is
# four missed reports, and a dead connection is noticed within a minute.
SILENCE_SECONDS = 45.0
PONG_SECONDS = 10.0  # s PMS has to answer our ping of a websocket quiet for SILENCE_SECONDS
RELOAD_SECONDS = 30.0
STABLE_SECONDS = 60.0  # a websocket that stayed open this long resets the backoff

# The monitor's heartbeat (:meth:`Monitor.beat`), read by the health report (operations): in the
# "status" cache, shared by every process (files in DATA_DIR).
HEARTBEAT_KEY = "plex:monitor:heartbeat"


def _status_cache():
    return caches["status" if "status" in settings.CACHES else "default"]


def read_heartbeat() -> dict | None:
    """The monitor's last heartbeat, or None when no monitor wrote one lately (it expires three
    reload periods after it was written; a clean stop removes it): ``{"pid", "at" (epoch s),
    "reload_seconds", "servers": {server id (str): {"websocket": bool, "last_message": epoch s of
    the websocket's last message or pong, or None}}}``."""
    return _status_cache().get(HEARTBEAT_KEY)


# How one connection ended (:meth:`ServerMonitor._watch_once`).
CLOSED, SILENT, STOPPING = "closed", "silent", "stopping"


class ServerMonitor(threading.Thread):
    """Watches one server until :meth:`stop`; see the module doc.

    ``clock() -> epoch seconds`` drives every wait, the backoff bounds (``backoff_start``,
    ``backoff_max``), ``poll_seconds``, ``silence_seconds`` and ``pong_seconds`` are in clock
    seconds; ``tick`` (real seconds) is how often the thread looks; ``timeout`` (s) bounds each
    PMS request. All are injectable for tests.
    """

    def __init__(
        self,
        server: Server,
        *,
        clock=epoch,
        tick: float = TICK_SECONDS,
        backoff_start: float = BACKOFF_START,
        backoff_max: float = BACKOFF_MAX,
        poll_seconds: float = POLL_SECONDS,
        silence_seconds: float = SILENCE_SECONDS,
        pong_seconds: float = PONG_SECONDS,
        timeout: float = 10.0,
    ):
        super().__init__(name=f"monitor-{server.pk}", daemon=True)
        self.server = server
        self.clock = clock
        self.tick = tick
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.poll_seconds = poll_seconds
        self.silence_seconds = silence_seconds
        self.pong_seconds = pong_seconds
        self.timeout = timeout
        self.handler = ActivityHandler(server, clock=clock, timeout=timeout)
        self._stopping = threading.Event()
        self._listener = None
        self._listener_lock = threading.Lock()
        self.connected = threading.Event()  # set while the websocket is open (for tests/status)
        # clock s of the next reconnect attempt while waiting for it, else None (tests/status)
        self.next_attempt_at: float | None = None
        self._alerts: queue.SimpleQueue = queue.SimpleQueue()
        self._last_message = 0.0  # clock s: the websocket's last message (or its opening)
        self._ping_at: float | None = None  # clock s: our ping of the quiet websocket, unanswered
        self._pongs_before = 0.0  # websocket-client's last_pong_tm when we pinged
        self._last_poll = float("-inf")  # clock s: the last read of /status/sessions
        self._websocket_error = ""  # the last websocket error logged (one line per change)

    # --- lifecycle ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the thread to end (closes the websocket); join() to wait for it."""
        self._stopping.set()
        self._close_listener()

    def run(self) -> None:
        backoff = self.backoff_start
        try:
            while not self._stopping.is_set():
                opened_at = self.clock()
                ended = CLOSED
                try:
                    ended = self._watch_once()
                except PlexUnavailable as exc:
                    mark_down(self.server, str(exc), int(self.clock()))
                    note_failure(self.server, exc)
                except Exception:  # never let one server's bug end its monitoring
                    logger.exception("%s: monitor error", self.server.name)
                finally:
                    self.connected.clear()
                    self._close_listener(dead=ended == SILENT)
                    close_old_connections()
                if ended == SILENT:
                    continue  # reconnect (and reconcile) at once
                if self.clock() - opened_at >= STABLE_SECONDS:
                    backoff = self.backoff_start
                if self._wait_disconnected(backoff):
                    break
                backoff = min(backoff * 2, self.backoff_max)
        finally:
            connection.close()

    def _wait_disconnected(self, delay: float) -> bool:
        """Wait ``delay`` clock seconds before the next reconnect, reading ``/status/sessions``
        every ``poll_seconds`` meanwhile (at once if the last read is that old).

        Returns early (False) when a poll finds the server answering after it was down, so its
        websocket is tried at once; True when the monitor is stopping.
        """
        self.next_attempt_at = deadline = self.clock() + delay
        try:
            while self.clock() < deadline:
                if self.clock() - self._last_poll >= self.poll_seconds:
                    was_down = self.server.connected is False
                    result = self._poll()
                    if result is not None and result.ok and was_down:
                        return self._stopping.is_set()
                if self._stopping.wait(self.tick):
                    return True
            return self._stopping.is_set()
        finally:
            self.next_attempt_at = None

    def _poll(self) -> ReconcileResult | None:
        """Reconcile the sessions with ``/status/sessions`` now (marks the server up or down);
        None when it failed on our side (logged)."""
        self._last_poll = self.clock()
        try:
            result = reconcile(self.server, handler=self.handler)
            if result.ok:
                recently_added.release_due(self.server, int(self.clock()))
            return result
        except Exception:
            logger.exception("%s: reading the sessions failed", self.server.name)
            return None
        finally:
            close_old_connections()

    # --- one connection -----------------------------------------------------------------------

    def _watch_once(self) -> str:
        """Connect, reconcile, and follow the websocket until it closes (or cannot be opened),
        falls silent (:data:`SILENT`) or we are stopped (:data:`STOPPING`). Raises
        PlexUnavailable when PMS cannot be read."""
        self._last_poll = self.clock()
        self.server.refresh_from_db()
        self.handler.server = self.server
        plex = connect(self.server, self.timeout, fresh=True)
        result = reconcile(self.server, handler=self.handler)
        if not result.ok:
            raise PlexUnavailable(result.error)
        with self._listener_lock:
            if self._stopping.is_set():
                return STOPPING
            self._listener = plex.startAlertListener(
                callback=self._on_alert, callbackError=self._on_websocket_error
            )
        opened = False
        ended = CLOSED
        try:
            next_tick = float("-inf")
            while not self._stopping.is_set() and self._listener.is_alive():
                try:
                    data = self._alerts.get(timeout=self.tick)
                except queue.Empty:
                    data = None
                if not opened and (data is not None or self._websocket_open()):
                    opened = True  # a message says so too, should it close before we look
                    self._opened()
                if data is not None:
                    self._handle(data)
                if self.clock() >= next_tick:
                    self._tick()
                    next_tick = self.clock() + self.tick
                if opened and self._silent():
                    ended = SILENT
                    break
            self._drain()
        finally:
            if opened:
                set_websocket(self.server, False)
        if self._stopping.is_set():
            return STOPPING
        if opened and ended == CLOSED:
            logger.warning("%s: the notifications websocket closed.", self.server.name)
            forget(self.server)
            self._last_poll = float("-inf")  # PMS may have gone away: poll at once
        return ended

    def _websocket_open(self) -> bool:
        """Whether the listener's websocket completed its handshake (websocket-client's
        ``WebSocketApp.sock.connected``; plexapi keeps the app as ``AlertListener._ws``)."""
        sock = getattr(getattr(self._listener, "_ws", None), "sock", None)
        return bool(sock is not None and sock.connected)

    def _opened(self) -> None:
        set_websocket(self.server, True)
        self.connected.set()
        self._last_message = self.clock()
        self._ping_at = None
        self._websocket_error = ""
        logger.info("%s: watching the notifications websocket.", self.server.name)

    def _silent(self) -> bool:
        """Whether the websocket is to be taken for dead (reconnect, which reconciles).

        Silent for ``silence_seconds`` while streams are active: dead, PMS would have reported
        them. Silent that long with nothing playing (PMS has nothing to say): it is pinged, and
        dead when neither a pong nor a message comes back within ``pong_seconds``.
        """
        now = self.clock()
        silent_for = now - self._last_message
        if silent_for < self.silence_seconds:
            self._ping_at = None
            return False
        app = getattr(self._listener, "_ws", None)
        if self._ping_at is None:
            if Session.objects.active().filter(server=self.server).exists():
                return self._dead(f"no message for {silent_for:.0f} s while streams are active")
            self._ping_at = now
            self._pongs_before = getattr(app, "last_pong_tm", 0.0)
            try:
                app.sock.ping(b"monitor")
            except (AttributeError, OSError, WebSocketException):
                return self._dead("the ping could not be sent")
            return False
        if getattr(app, "last_pong_tm", 0.0) != self._pongs_before:
            self._last_message, self._ping_at = now, None  # quiet, but alive
            return False
        if now - self._ping_at >= self.pong_seconds:
            return self._dead(f"no message for {silent_for:.0f} s and no answer to a ping")
        return False

    @property
    def awaiting_pong(self) -> bool:
        """True from the monitor's ping of a quiet websocket until PMS answers (for tests)."""
        return self._ping_at is not None

    def _dead(self, why: str) -> bool:
        logger.warning(
            "%s: the notifications websocket is taken for dead (%s); reconnecting.",
            self.server.name,
            why,
        )
        return True

    def _tick(self) -> None:
        try:
            self.handler.stop_stale()
            self.handler.retry_pending()
            recently_added.release_due(self.server, int(self.clock()))
        except Exception:
            logger.exception("%s: periodic check failed", self.server.name)
        finally:
            close_old_connections()

    def _close_listener(self, *, dead: bool = False) -> None:
        """Close the websocket; a ``dead`` one without waiting for PMS's close frame (it would
        never come: websocket-client waits 3 s for it)."""
        with self._listener_lock:
            listener, self._listener = self._listener, None
        websocket = getattr(listener, "_ws", None) if listener is not None else None
        if websocket is None:
            return
        try:
            if dead:
                websocket.close(timeout=0)
            else:
                listener.stop()
        except (OSError, WebSocketException):  # closing an already broken socket
            pass

    # --- websocket callbacks (in the listener's thread) ------------------------------------------

    def _on_alert(self, data: dict) -> None:
        """Queue one ``NotificationContainer`` for this monitor's thread (database work stays
        in one thread per server, in order, and its connection is closed with it)."""
        self._last_message = self.clock()
        self._alerts.put(data)

    def _drain(self) -> None:
        while True:
            try:
                self._handle(self._alerts.get_nowait())
            except queue.Empty:
                return

    def _handle(self, data: dict) -> None:
        """One ``NotificationContainer`` (reference 3.3)."""
        try:
            kind = data.get("type")
            if kind == "playing":
                for item in data.get("PlaySessionStateNotification") or []:
                    self.handler.process(item)
            elif kind == "timeline":
                for entry in data.get("TimelineEntry") or []:
                    recently_added.queue_entry(self.server, entry, int(self.clock()))
            elif kind == "reachability":
                self._reachability(data.get("ReachabilityNotification") or [])
        except PlexUnavailable as exc:
            logger.warning("%s: %s", self.server.name, exc)
        except PLEX_ERRORS as exc:
            logger.warning("%s: %s", self.server.name, describe_error(exc, self.server.url))
        except Exception:
            logger.exception("%s: could not handle a notification", self.server.name)

    def _reachability(self, entries: list) -> None:
        """PMS says its reachability from plex.tv changed (``ReachabilityNotification``): read
        remote access now (:mod:`plex.activity.remote_access`), unless it says reachable and
        remote access is known to be up (Tautulli's ``ReachabilityHandler``)."""
        reachable = any(entry.get("reachability") for entry in entries)
        if reachable and self.server.remote_access_up:
            return
        remote_access.check_remote_access(self.server, int(self.clock()))

    def _on_websocket_error(self, error) -> None:
        text = f"{type(error).__name__}"
        if text != self._websocket_error:  # one line per change, not per reconnect attempt
            self._websocket_error = text
            logger.warning("%s: websocket error: %s", self.server.name, text)


class Monitor:
    """Runs a :class:`ServerMonitor` per active server, following changes in the admin."""

    def __init__(self, *, reload_seconds: float = RELOAD_SECONDS, **monitor_kwargs):
        self.reload_seconds = reload_seconds
        self.monitor_kwargs = monitor_kwargs
        self.threads: dict[int, tuple[tuple, ServerMonitor]] = {}
        self._stopping = threading.Event()

    def sync_servers(self) -> None:
        """Start threads for new servers, restart those whose URL/token changed, stop removed or
        deactivated ones."""
        wanted = {
            server.pk: server for server in Server.objects.filter(is_active=True).exclude(url="")
        }
        for pk in list(self.threads):
            identity, thread = self.threads[pk]
            server = wanted.get(pk)
            if server is None or (server.url, server.token) != identity or not thread.is_alive():
                thread.stop()
                thread.join(timeout=5)
                del self.threads[pk]
        for pk, server in wanted.items():
            if pk not in self.threads:
                thread = ServerMonitor(server, **self.monitor_kwargs)
                self.threads[pk] = ((server.url, server.token), thread)
                logger.info("Monitoring %s (%s).", server.name, server.url)
                thread.start()

    def run_forever(self) -> None:
        """Until :meth:`stop`: (re)sync the server threads every ``reload_seconds``."""
        try:
            while not self._stopping.is_set():
                try:
                    self.sync_servers()
                except Exception:
                    logger.exception("Could not read the configured servers")
                finally:
                    close_old_connections()
                self.beat()
                self._stopping.wait(self.reload_seconds)
        finally:
            self.shutdown()

    def stop(self) -> None:
        self._stopping.set()

    def beat(self) -> None:
        """Write the heartbeat (:func:`read_heartbeat`): this process is alive, and each
        server thread's websocket state and last message."""
        servers = {
            str(pk): {
                "websocket": thread.connected.is_set(),
                "last_message": thread._last_message or None,
            }
            for pk, (_identity, thread) in self.threads.items()
        }
        beat = {"pid": os.getpid(), "at": epoch(), "reload_seconds": self.reload_seconds}
        try:
            _status_cache().set(
                HEARTBEAT_KEY, {**beat, "servers": servers}, 3 * self.reload_seconds + 30
            )
        except OSError:  # a full or read-only disk must not stop the monitoring
            logger.warning("Could not write the monitor's heartbeat", exc_info=True)

    def shutdown(self) -> None:
        """Stop every server thread and wait for them."""
        for _identity, thread in self.threads.values():
            thread.stop()
        for _identity, thread in self.threads.values():
            thread.join(timeout=10)
        self.threads.clear()
        try:
            _status_cache().delete(HEARTBEAT_KEY)
        except OSError:
            pass
