"""The long-running monitor: one websocket per server (``python manage.py monitor``).

For each active :class:`~servers.models.Server` a :class:`ServerMonitor` thread:

1. reaches PMS (``plex.client.connect``) and reconciles its sessions (:mod:`plex.activity.reconcile`:
   streams that ended while we were away are written to history once, with their last known
   offset and time; streams still playing carry on in the same row);
2. opens the notifications websocket with plexapi's ``AlertListener``; the listener's thread only
   queues each message, and this thread feeds each ``playing`` notification to the
   :class:`~plex.activity.handler.ActivityHandler` and each ``timeline`` notification to the
   recently-added queue (:mod:`plex.activity.recently_added`), in order;
3. every :data:`TICK_SECONDS` while connected: force-stops stale streams (no event for 5 min),
   retries failed history writes and releases due recently-added groups;
4. when PMS is down, slow, rejects the token or answers junk: logs one line per change of
   state, marks the server down (on_intdown after 60 s), and retries with exponential backoff
   (:data:`BACKOFF_START` doubling up to :data:`BACKOFF_MAX` seconds). Other servers' threads are
   not affected.

:class:`Monitor` runs the threads and follows servers added, edited (URL/token) or deactivated in
the admin, checking every :data:`RELOAD_SECONDS`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from django.db import close_old_connections, connection
from websocket import WebSocketException

from core.clock import epoch
from servers.models import Server

from .activity import recently_added
from .activity.handler import ActivityHandler
from .activity.reachability import mark_down, set_websocket
from .activity.reconcile import reconcile
from .client import PLEX_ERRORS, PlexUnavailable, connect, describe_error, forget

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
BACKOFF_START = (
    5.0  # s before the first reconnect attempt (Tautulli's WEBSOCKET_CONNECTION_TIMEOUT)
)
BACKOFF_MAX = 300.0
RELOAD_SECONDS = 30.0
STABLE_SECONDS = 60.0  # a websocket that stayed open this long resets the backoff


class ServerMonitor(threading.Thread):
    """Watches one server until :meth:`stop`; see the module doc.

    ``clock() -> epoch seconds`` and the backoff bounds are injectable for tests.
    """

    def __init__(
        self,
        server: Server,
        *,
        clock=epoch,
        tick: float = TICK_SECONDS,
        backoff_start: float = BACKOFF_START,
        backoff_max: float = BACKOFF_MAX,
        timeout: float = 10.0,
    ):
        super().__init__(name=f"monitor-{server.pk}", daemon=True)
        self.server = server
        self.clock = clock
        self.tick = tick
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.handler = ActivityHandler(server, clock=clock, timeout=timeout)
        self._stopping = threading.Event()
        self._listener = None
        self._listener_lock = threading.Lock()
        self.connected = threading.Event()  # set while the websocket is open (for tests/status)
        self._alerts: queue.SimpleQueue = queue.SimpleQueue()

    # --- lifecycle ----------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the thread to end (closes the websocket); join() to wait for it."""
        self._stopping.set()
        self._close_listener()

    def run(self) -> None:
        backoff = self.backoff_start
        try:
            while not self._stopping.is_set():
                opened_at = time.monotonic()
                try:
                    self._watch_once()
                except PlexUnavailable as exc:
                    mark_down(self.server, str(exc), int(self.clock()))
                except Exception:  # never let one server's bug end its monitoring
                    logger.exception("%s: monitor error", self.server.name)
                finally:
                    self.connected.clear()
                    self._close_listener()
                    close_old_connections()
                if time.monotonic() - opened_at >= STABLE_SECONDS:
                    backoff = self.backoff_start
                if self._stopping.wait(backoff):
                    break
                backoff = min(backoff * 2, self.backoff_max)
        finally:
            connection.close()

    # --- one connection -----------------------------------------------------------------------

    def _watch_once(self) -> None:
        """Connect, reconcile, and follow the websocket until it closes or we are stopped."""
        self.server.refresh_from_db()
        self.handler.server = self.server
        plex = connect(self.server, self.timeout, fresh=True)
        result = reconcile(self.server, handler=self.handler)
        if not result.ok:
            raise PlexUnavailable(result.error)
        with self._listener_lock:
            if self._stopping.is_set():
                return
            self._listener = plex.startAlertListener(
                callback=self._on_alert, callbackError=self._on_websocket_error
            )
        set_websocket(self.server, True)
        self.connected.set()
        logger.info("%s: watching the notifications websocket.", self.server.name)
        try:
            next_tick = 0.0
            while not self._stopping.is_set() and self._listener.is_alive():
                try:
                    self._handle(self._alerts.get(timeout=self.tick))
                except queue.Empty:
                    pass
                if time.monotonic() >= next_tick:
                    self._tick()
                    next_tick = time.monotonic() + self.tick
            self._drain()
        finally:
            set_websocket(self.server, False)
        if not self._stopping.is_set():
            logger.warning("%s: the notifications websocket closed.", self.server.name)
            forget(self.server)
            # PMS may have gone away: check now, so an outage is noticed at once.
            try:
                connect(self.server, self.timeout, fresh=True)
            except PlexUnavailable as exc:
                mark_down(self.server, str(exc), int(self.clock()))

    def _tick(self) -> None:
        try:
            self.handler.stop_stale()
            self.handler.retry_pending()
            recently_added.release_due(self.server, int(self.clock()))
        except Exception:
            logger.exception("%s: periodic check failed", self.server.name)
        finally:
            close_old_connections()

    def _close_listener(self) -> None:
        with self._listener_lock:
            listener, self._listener = self._listener, None
        if listener is not None and getattr(listener, "_ws", None) is not None:
            try:
                listener.stop()
            except (OSError, WebSocketException):  # closing an already broken socket
                pass

    # --- websocket callbacks (in the listener's thread) ------------------------------------------

    def _on_alert(self, data: dict) -> None:
        """Queue one ``NotificationContainer`` for this monitor's thread (database work stays
        in one thread per server, in order, and its connection is closed with it)."""
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
        except PlexUnavailable as exc:
            logger.warning("%s: %s", self.server.name, exc)
        except PLEX_ERRORS as exc:
            logger.warning("%s: %s", self.server.name, describe_error(exc, self.server.url))
        except Exception:
            logger.exception("%s: could not handle a notification", self.server.name)

    def _on_websocket_error(self, error) -> None:
        logger.warning("%s: websocket error: %s", self.server.name, type(error).__name__)


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
                self._stopping.wait(self.reload_seconds)
        finally:
            self.shutdown()

    def stop(self) -> None:
        self._stopping.set()

    def shutdown(self) -> None:
        """Stop every server thread and wait for them."""
        for _identity, thread in self.threads.values():
            thread.stop()
        for _identity, thread in self.threads.values():
            thread.join(timeout=10)
        self.threads.clear()
