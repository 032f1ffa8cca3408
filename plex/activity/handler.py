"""The session state machine of one server (reference 3.4, Tautulli's ``ActivityHandler.process``).

:class:`ActivityHandler` takes PMS's ``PlaySessionStateNotification`` items (from the websocket,
or synthesized by the reconciling poll) and keeps the ``sessions`` rows, the events and the
history in step:

* a new session key (not buffering) → read ``/status/sessions``, insert the row, on_play (+
  on_concurrent, on_newdevice);
* the same item: playing → paused (on_pause), paused → playing (on_resume), → stopped (on_stop:
  history), → error (on_error); still paused (pause accounting), buffering (on_buffer after the
  threshold), a new transcode session (on_change); markers (on_intro/on_credits/on_commercial)
  and the watched threshold (on_watched) on every event;
* a different item on the same session key (clients that never send stop) → the old stream is
  force-stopped at its last offset, then the new one starts.

PMS is read outside database transactions (a slow PMS never holds a database lock); the row is
then changed under ``select_for_update`` so the websocket and the poll task never both apply an
event or both stop a stream. The clock (``clock() -> epoch seconds``) is injected for tests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction

from core.clock import epoch
from core.events import Action
from history.writer import int_or_none
from plex.client import (
    DEFAULT_TIMEOUT,
    PLEX_ERRORS,
    PlexUnavailable,
    connect,
    forget,
    unavailable,
)
from servers.models import ACTIVE_STATES, Server, Session

from . import store
from .events import emit
from .session_info import RecentMetadata, load_lookups, session_columns, session_info

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 60  # a playing stream's row is re-read from PMS at most once a minute
# Columns the state machine changes on an event (saved only when they did change).
TRACKED_FIELDS = (
    "view_offset",
    "state",
    "stopped",
    "paused_counter",
    "last_paused",
    "buffer_count",
    "buffer_last_triggered",
    "marker",
    "intro",
    "credits",
    "commercial",
    "watched",
)
# raw_stream_info keys read once when the stream starts, kept when the row is refreshed from PMS.
KEPT_RAW_KEYS = ("markers",)
# Notified states that do not start a stream without a row (reference 3.4 step 2).
NOT_STARTING = (Session.State.BUFFERING, Session.State.STOPPED, Session.State.ERROR)


def fetch_live_sessions(server: Server, timeout: float = DEFAULT_TIMEOUT) -> list:
    """``/status/sessions`` of ``server`` as plexapi items; raises PlexUnavailable."""
    plex = connect(server, timeout)
    try:
        return plex.sessions()
    except PLEX_ERRORS as exc:
        forget(server)
        raise unavailable(exc, server.url, timeout) from None


def default_fetch_metadata(server: Server, rating_key) -> dict | None:
    """The item's metadata for its history row (:func:`plex.metadata.fetch_metadata`)."""
    from plex.metadata import fetch_metadata

    return fetch_metadata(server, rating_key)


class ActivityHandler:
    """Applies PMS session notifications of one :class:`~servers.models.Server` to its sessions."""

    def __init__(
        self,
        server: Server,
        *,
        clock: Callable[[], float] = epoch,
        timeout: float = DEFAULT_TIMEOUT,
        fetch_sessions: Callable[[Server], list] | None = None,
        fetch_metadata: Callable[[Server, object], dict | None] | None = None,
    ):
        self.server = server
        self.clock = clock
        self.timeout = timeout
        self.fetch_sessions = fetch_sessions or (lambda srv: fetch_live_sessions(srv, self.timeout))
        self.fetch_metadata = fetch_metadata or default_fetch_metadata
        self.metadata = RecentMetadata()
        self.lookups: tuple[dict, dict] | None = None

    def now(self) -> int:
        return int(self.clock())

    # --- entry points -------------------------------------------------------------------------

    def process(self, notification: dict) -> None:
        """Apply one ``PlaySessionStateNotification`` item: ``{"sessionKey": "7", "ratingKey":
        "123", "state": "playing", "viewOffset": 60000 (ms), "transcodeSession": "abc"?}``.

        Raises PlexUnavailable when PMS must be read (a new stream) and cannot be; nothing is
        changed then (the poll catches up later).
        """
        session_key = str(notification.get("sessionKey") or "")
        if not session_key.isdigit():
            return
        state = notification.get("state") or ""
        session = self._active_row(int(session_key))
        if session is None:
            if state not in NOT_STARTING:
                self.start(int(session_key), state)
            return
        if not self.same_item(session, notification):
            logger.info(
                "%s: session %s changed item %s → %s; stopping the first.",
                self.server.name,
                session_key,
                session.rating_key,
                notification.get("ratingKey"),
            )
            # The first item played until now (the client moved on): stop it now, at the
            # offset it reached, not at its last event.
            store.stop_session(self.server, session, self.now(), fetch_metadata=self.fetch_metadata)
            if state not in NOT_STARTING:
                self.start(int(session_key), state)
            return
        self.update(session, notification)

    def start(self, session_key: int, state: str, item=None) -> Session | None:
        """A new stream: read it from ``/status/sessions`` (unless ``item`` is given), insert its
        row and emit on_play. Returns the row, or None when PMS no longer lists the session."""
        if item is None:
            item = next(
                (s for s in self.fetch_sessions(self.server) if session_key_of(s) == session_key),
                None,
            )
            if item is None:
                return None
        info = self._info(item)
        markers = self._markers(info)
        if markers:
            info["markers"] = markers
        columns = session_columns(info)
        now = self.now()
        with transaction.atomic():
            if self._active_row(session_key, lock=True) is not None:
                return None  # the poll (or another event) started it meanwhile
            session = store.create_session(
                self.server,
                columns,
                state=state or info.get("state") or Session.State.PLAYING,
                now=now,
            )
            store.emit_started(self.server, session)
        logger.info(
            "%s: %s started %s (session %s).",
            self.server.name,
            session.user,
            session.full_title,
            session_key,
        )
        return session

    def update(self, session: Session, notification: dict, item=None) -> None:
        """Apply an event of the stream ``session`` plays (reference 3.4 step 3-4).

        ``item``: the session as ``/status/sessions`` just listed it (the poll), used to refresh
        the row instead of reading PMS again."""
        state = notification.get("state") or session.state
        view_offset = int_or_none(notification.get("viewOffset"))
        if state == Session.State.STOPPED:
            store.stop_session(
                self.server,
                session,
                self.now(),
                view_offset=view_offset,
                fetch_metadata=self.fetch_metadata,
            )
            return
        changed_transcode = _transcode_changed(session, notification)
        fresh = None
        now = self.now()
        if item is not None:
            fresh = self._columns(item)
        elif changed_transcode or (
            state == Session.State.PLAYING and now - self._refreshed_at(session) >= REFRESH_SECONDS
        ):
            fresh = self._fresh_columns(session.session_key)
        if self._new_programme(session, fresh):
            self._next_programme(session, state)
            return
        with transaction.atomic():
            row = self._active_row(session.session_key, lock=True)
            if row is None or row.pk != session.pk:
                return
            self._apply(row, state, view_offset, fresh, changed_transcode, now)

    def stop_all_vanished(self, live_keys: set[int]) -> int:
        """Force-stop the active rows whose session PMS no longer lists (the poll); returns how
        many were stopped."""
        stopped = 0
        for session in (
            Session.objects.active().filter(server=self.server).exclude(session_key__in=live_keys)
        ):
            store.stop_session(
                self.server, session, self.now(), forced=True, fetch_metadata=self.fetch_metadata
            )
            stopped += 1
        return stopped

    def stop_stale(self) -> int:
        """Force-stop streams with no event for :data:`store.STALE_SECONDS` (reference 3.4
        "stale sessions"); their history ends at the last event. Returns how many."""
        cutoff = self.now() - store.STALE_SECONDS
        stale = Session.objects.active().filter(server=self.server, stopped__lt=cutoff)
        count = 0
        for session in stale:
            logger.info(
                "%s: no news of session %s for %s s; stopping it.",
                self.server.name,
                session.session_key,
                store.STALE_SECONDS,
            )
            store.stop_session(
                self.server, session, self.now(), forced=True, fetch_metadata=self.fetch_metadata
            )
            count += 1
        return count

    def retry_pending(self) -> int:
        """Retry history writes that failed (see :func:`store.retry_pending_writes`)."""
        return store.retry_pending_writes(
            self.server, self.now(), fetch_metadata=self.fetch_metadata
        )

    # --- internals ----------------------------------------------------------------------------

    def _apply(self, row, state, view_offset, fresh, changed_transcode, now) -> None:
        changed, events = self._transition(row, state, view_offset, fresh, changed_transcode, now)
        if changed:
            row.save(update_fields=changed)
        self._emit_events(row, events)

    def _transition(
        self, row, state, view_offset, fresh, changed_transcode, now
    ) -> tuple[list[str], list[str]]:
        """Apply one event to ``row`` in memory; returns (changed field names, event actions)."""
        before = {name: getattr(row, name) for name in TRACKED_FIELDS}
        changed: set[str] = set()
        previous = row.state
        events: list[str] = []
        info = store.raw_info(row)
        if fresh:
            raw_before = row.raw_stream_info
            kept = {k: v for k, v in info.items() if k in KEPT_RAW_KEYS}
            changed.update(store.refresh_columns(row, fresh))
            info = {**store.raw_info(row), **kept}
            row.raw_stream_info = _dumps(info)
            changed.discard("raw_stream_info")
            if row.raw_stream_info != raw_before:
                changed.add("raw_stream_info")
            row.refreshed_at = now
            changed.add("refreshed_at")
        if view_offset is not None:
            row.view_offset = view_offset
        if state == Session.State.PAUSED:
            store.account_pause(row, now, still_paused=True)
            if previous != Session.State.PAUSED:
                events.append(Action.PAUSE)
        elif state == Session.State.PLAYING:
            was_paused = bool(row.last_paused)
            store.account_pause(row, now, still_paused=False)
            if previous != Session.State.PLAYING and was_paused:
                events.append(Action.RESUME)
        elif state == Session.State.BUFFERING:
            if store.count_buffering(row, now):
                events.append(Action.BUFFER)
        elif state == Session.State.ERROR and previous != Session.State.ERROR:
            events.append(Action.ERROR)
        if changed_transcode:
            events.append(Action.CHANGE)
        row.state = state
        row.stopped = now
        markers = info.get("markers")
        marker = store.reached_marker(row, markers)
        if marker:
            events.append(marker)
        if store.check_session_watched(row, markers):
            events.append(Action.WATCHED)
        changed.update(name for name in TRACKED_FIELDS if getattr(row, name) != before[name])
        return sorted(changed), events

    def _emit_events(self, row, events: list[str]) -> None:
        if events:
            data = store.session_event_data(row)
            for action in events:
                emit(self.server, action, session=data)

    def update_many(self, updates: list[tuple[Session, dict, object]]) -> int:
        """The poll's refresh of streams PMS still lists: ``[(row, notification, item)]``.

        PMS's view of each stream is built first, then every row is locked, changed and
        written in one transaction (one SELECT … FOR UPDATE and one bulk UPDATE, whatever the
        number of streams). Stops are left to :meth:`update`. Returns the rows updated.
        """
        prepared = []
        for row, notification, item in updates:
            fresh = self._columns(item)
            if self._new_programme(row, fresh):
                self._next_programme(row, notification.get("state") or row.state)
            else:
                prepared.append((row.pk, notification, fresh))
        now = self.now()
        done: list[tuple[Session, list[str]]] = []
        fields: set[str] = set()
        with transaction.atomic():
            rows = Session.objects.select_for_update().in_bulk([pk for pk, _, _ in prepared])
            for pk, notification, fresh in prepared:
                row = rows.get(pk)
                if row is None or row.state not in ACTIVE_STATES:
                    continue  # stopped meanwhile by the websocket
                changed, events = self._transition(
                    row,
                    notification.get("state") or row.state,
                    int_or_none(notification.get("viewOffset")),
                    fresh,
                    _transcode_changed(row, notification),
                    now,
                )
                fields.update(changed)
                done.append((row, events))
            if fields:
                Session.objects.bulk_update([row for row, _ in done], sorted(fields))
            for row, events in done:
                self._emit_events(row, events)
        return len(done)

    def _new_programme(self, session: Session, fresh: dict | None) -> bool:
        """Live TV keeps its session key across programmes: a new guid is a new item
        (reference 3.4 step 3)."""
        return bool(session.live and fresh and fresh.get("guid") and fresh["guid"] != session.guid)

    def _next_programme(self, session: Session, state: str) -> None:
        logger.info(
            "%s: session %s moved on to another live programme.",
            self.server.name,
            session.session_key,
        )
        store.stop_session(self.server, session, self.now(), fetch_metadata=self.fetch_metadata)
        self.start(session.session_key, state)

    def _active_row(self, session_key: int, *, lock: bool = False) -> Session | None:
        rows = Session.objects.active().filter(server=self.server, session_key=session_key)
        if lock:
            rows = rows.select_for_update()
        return rows.order_by("-id").first()

    def same_item(self, session: Session, notification: dict) -> bool:
        """Whether ``notification`` is about the item ``session`` plays (reference 3.4 step 4)."""
        rating_key = str(notification.get("ratingKey") or "")
        if not rating_key:
            return True
        if session.live:
            return True  # live TV keeps one session across programmes (guid compared on refresh)
        return rating_key in (str(session.rating_key), str(session.rating_key_websocket or ""))

    def _fresh_columns(self, session_key: int) -> dict | None:
        try:
            items = self.fetch_sessions(self.server)
        except PlexUnavailable as exc:
            logger.warning("%s: cannot refresh session %s: %s", self.server.name, session_key, exc)
            return None
        item = next((s for s in items if session_key_of(s) == session_key), None)
        return None if item is None else self._columns(item)

    def _columns(self, item) -> dict:
        """The row's PMS-sourced columns (and ``raw_stream_info``) from a ``/status/sessions``
        item."""
        from .session_info import session_columns

        return session_columns(self._info(item))

    def _info(self, item) -> dict:
        library_names, users = self.lookups or load_lookups(self.server, [item])
        return session_info(
            item, self.server, library_names=library_names, users=users, metadata=self.metadata
        )

    @contextmanager
    def lookups_for(self, items: list):
        """Within the block, sessions are built with libraries and users read once for all of
        ``items`` (two queries per poll instead of two per session)."""
        self.lookups = load_lookups(self.server, items)
        try:
            yield
        finally:
            self.lookups = None

    def _refreshed_at(self, session: Session) -> int:
        """When the row was last refreshed from PMS (epoch s): its start when never since."""
        return int(session.refreshed_at or session.started or 0)

    def _markers(self, info: dict) -> list:
        """The item's markers (intro/credits/commercial), read once when the stream starts."""
        if str(info.get("live") or "0") == "1" or info.get("media_type") not in (
            "movie",
            "episode",
        ):
            return []
        try:
            metadata = self.fetch_metadata(self.server, info.get("rating_key"))
        except PlexUnavailable:
            return []
        return list((metadata or {}).get("markers") or [])


def session_key_of(item) -> int | None:
    """The ``sessionKey`` of a ``/status/sessions`` item as an int (None when missing)."""
    return int_or_none(getattr(item, "sessionKey", None))


def _transcode_changed(session: Session, notification: dict) -> bool:
    """Whether PMS reports another transcode session than the row's (on_change)."""
    transcode_key = notification.get("transcodeSession")
    return bool(
        transcode_key and session.transcode_key and transcode_key not in session.transcode_key
    )


def _dumps(value) -> str:
    return json.dumps(value, default=str)
