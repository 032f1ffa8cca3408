"""The ``sessions`` table as the state machine keeps it (reference 3.4, Tautulli's ``ActivityProcessor``).

All times are epoch **seconds** (the caller's clock, so tests can drive it), offsets and durations
**milliseconds**. ``Session.stopped`` doubles as "last updated": every event stamps it, and a stream
that is never heard of again is closed at that time (a crash or an outage loses no history and
adds no phantom minutes).

Stopping writes history through :func:`history.writer.write_session_history`. A stop whose
history cannot be written yet (PMS unreachable for the item's metadata, a database error) keeps
the row in state ``stopped`` with ``write_attempts`` counted and ``last_write_attempt`` stamped;
:func:`retry_pending_writes` tries again every :data:`WRITE_RETRY_SECONDS`. After
:data:`WRITE_ATTEMPTS` metadata failures the row is written from the session's own data
(Tautulli would drop it: we never lose a play).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.db import DatabaseError, transaction

from core.config import monitoring_value
from core.events import Action
from history.models import History
from history.watched import check_watched
from history.writer import credits_markers, int_or_none, session_values, write_session_history
from plex.client import PlexUnavailable
from servers.models import Server, Session, SessionContinued

from .events import emit

logger = logging.getLogger(__name__)

STALE_SECONDS = 300  # a stream with no event for 5 minutes is force-stopped (reference 3.4)
WRITE_RETRY_SECONDS = 30  # Tautulli retries a failed history write every 30 s …
WRITE_ATTEMPTS = 5  # … up to SESSION_DB_WRITE_ATTEMPTS times
STOP_SNAP_MS = 10_000  # a stop within the last 10 s of an item counts as the end of it
CONTINUED_SESSION_THRESHOLD = 15  # s: a new stream this soon after a stop is not "initial"
BUFFER_THRESHOLD = 10  # buffering events before on_buffer (Tautulli's BUFFER_THRESHOLD)
BUFFER_WAIT = 900  # s between two on_buffer of one stream (BUFFER_WAIT)
# Columns only the state machine sets: a PMS view of the session never overwrites them.
STATE_MACHINE_COLUMNS = frozenset(
    {
        "id",
        "server",
        "server_id",
        "state",
        "started",
        "stopped",
        "paused_counter",
        "buffer_count",
        "buffer_last_triggered",
        "last_paused",
        "watched",
        "intro",
        "credits",
        "commercial",
        "marker",
        "initial_stream",
        "write_attempts",
        "last_write_attempt",
        "refreshed_at",
        "confirmed",  # servers.models: set by the import and the poll, never from PMS
    }
)
# PMS's marker types (``<Marker type>``) and the action reaching one emits.
MARKER_ACTIONS = {
    "intro": Action.INTRO,
    "credits": Action.CREDITS,
    "commercial": Action.COMMERCIAL,
}
# Saved when a stream stops. Not ``watched``: stored, it says on_watched was announced, so a stop
# whose history write is retried leaves it unset and the retry announces on_watched then.
STOP_FIELDS = ("state", "stopped", "view_offset", "paused_counter", "last_paused")


def session_event_data(session: Session) -> dict:
    """The session as events carry it: its columns merged with ``raw_stream_info``
    (see :func:`history.writer.session_values`), plus ``server_id``."""
    data = session_values(session)
    data.pop("raw_stream_info", None)
    return data


def raw_info(session: Session) -> dict:
    """The session's ``raw_stream_info`` JSON as a dict ({} when missing or not JSON)."""
    try:
        value = json.loads(session.raw_stream_info or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def is_initial_stream(user_id, machine_id, media_type, started: int) -> int:
    """1 unless the same user on the same player stopped the same kind of media less than
    :data:`CONTINUED_SESSION_THRESHOLD` s before ``started`` (Tautulli's ``is_initial_stream``)."""
    last = (
        SessionContinued.objects.filter(
            user_id=user_id, machine_id=machine_id, media_type=media_type
        )
        .values_list("stopped", flat=True)
        .first()
    )
    return int(started - (last or 0) >= CONTINUED_SESSION_THRESHOLD)


def create_session(server: Server, columns: dict, *, state: str, now: int) -> Session:
    """Insert the ``sessions`` row of a new stream (Tautulli's ``write_session`` first insert).

    ``columns``: :func:`plex.activity.session_info.session_columns` of the PMS session.
    ``started`` and ``stopped`` are stamped ``now``; ``initial_stream`` is computed. A row left
    for the same (server, session_key) by an earlier stream is replaced.
    """
    Session.objects.filter(server=server, session_key=columns.get("session_key")).delete()
    return Session.objects.create(
        server=server,
        **{name: value for name, value in columns.items() if name not in STATE_MACHINE_COLUMNS},
        state=state,
        started=now,
        stopped=now,
        paused_counter=0,
        buffer_count=0,
        watched=0,
        intro=0,
        credits=0,
        commercial=0,
        marker=0,
        write_attempts=0,
        last_paused=now if state == Session.State.PAUSED else None,
        initial_stream=is_initial_stream(
            columns.get("user_id"), columns.get("machine_id"), columns.get("media_type"), now
        ),
    )


def refresh_columns(session: Session, columns: dict) -> list[str]:
    """Copy a fresh PMS view of the stream into ``session`` (not saved); returns changed fields.

    The state-machine columns (times, pause/buffer counters, markers) are never overwritten.
    """
    changed = []
    for name, value in columns.items():
        if name in STATE_MACHINE_COLUMNS:
            continue
        if getattr(session, name) != value:
            setattr(session, name, value)
            changed.append(name)
    return changed


def account_pause(session: Session, now: int, *, still_paused: bool) -> None:
    """Fold the time since ``last_paused`` into ``paused_counter`` (not saved).

    Tautulli's ``set_session_last_paused``: at every later pause event, resume or stop the elapsed
    pause is added; ``last_paused`` becomes ``now`` while still paused, else None.
    """
    if session.last_paused:
        session.paused_counter = (session.paused_counter or 0) + max(
            0, now - int(session.last_paused)
        )
    session.last_paused = now if still_paused else None


def count_buffering(session: Session, now: int) -> bool:
    """Count a buffering event (not saved); True when on_buffer is due (reference 3.4: count ≥
    :data:`BUFFER_THRESHOLD` and never fired, or :data:`BUFFER_WAIT` s since it last fired)."""
    session.buffer_count = (session.buffer_count or 0) + 1
    if session.buffer_count < BUFFER_THRESHOLD:
        return False
    last = session.buffer_last_triggered
    if last and now - int(last) < BUFFER_WAIT:
        return False
    session.buffer_last_triggered = now
    return True


def check_session_watched(session: Session, markers: list | None) -> bool:
    """Mark the stream watched once (``sessions.watched``) when its offset passes the watched
    threshold (reference 3.6); True when it just became watched (on_watched is due).
    ``markers``: the item's markers (``raw_stream_info["markers"]``)."""
    if session.watched or session.state == Session.State.BUFFERING:
        return False
    first, final = credits_markers(markers)
    if not check_watched(session.media_type, session.view_offset, session.duration, first, final):
        return False
    session.watched = 1
    return True


def reached_marker(session: Session, markers: list | None) -> Action | None:
    """The marker the stream just entered, as an action (:data:`MARKER_ACTIONS`), updating
    ``marker`` and the per-type flag (not saved); else None.

    A marker counts from 10 s before its start to its end (reference 3.4), once per marker.
    ``markers``: the item's markers (``raw_stream_info["markers"]``).
    """
    offset = session.view_offset or 0
    for index, marker in enumerate(markers or [], start=1):
        if not isinstance(marker, dict):
            continue
        kind = marker.get("type")
        start = int_or_none(marker.get("start_time_offset"))
        end = int_or_none(marker.get("end_time_offset"))
        if not isinstance(kind, str) or kind not in MARKER_ACTIONS or start is None:
            continue
        if (
            start - 10_000 <= offset <= (end if end is not None else start)
            and session.marker != index
        ):
            session.marker = index
            setattr(session, kind, (getattr(session, kind) or 0) + 1)
            return MARKER_ACTIONS[kind]
    return None


def user_stream_count(session: Session) -> int:
    """The user's active streams on every server (distinct IP addresses when
    ``NOTIFY_CONCURRENT_BY_IP``), for on_concurrent (reference 4.2)."""
    streams = Session.objects.active().filter(user_id=session.user_id)
    if monitoring_value("NOTIFY_CONCURRENT_BY_IP", False):
        return streams.values("ip_address").distinct().count()
    return streams.count()


def is_new_device(session: Session) -> bool:
    """True when the user has never been logged on this player (``machine_id``) before."""
    if not session.machine_id:
        return False
    return not History.objects.filter(
        user_id=session.user_id, machine_id=session.machine_id
    ).exists()


def emit_started(server: Server, session: Session) -> None:
    """on_play, then on_concurrent and on_newdevice when their conditions hold (reference 4.2/4.3)."""
    data = session_event_data(session)
    emit(server, Action.PLAY, session=data)
    streams = user_stream_count(session)
    if streams >= int(monitoring_value("NOTIFY_CONCURRENT_THRESHOLD", 2)):
        emit(server, Action.CONCURRENT, session=data, user_streams=streams)
    if is_new_device(session):
        emit(server, Action.NEWDEVICE, session=data)


@dataclass
class StopOutcome:
    """What stopping a stream did: ``history`` written (None when not logged or pending),
    ``pending`` when the write must be retried, ``skipped`` when another worker (the websocket
    or the poll) stopped or wrote this stream first."""

    history: History | None = None
    pending: bool = False
    skipped: bool = False


def stop_session(
    server: Server,
    session: Session,
    now: int,
    *,
    view_offset: int | None = None,
    forced: bool = False,
    fetch_metadata=None,
) -> StopOutcome:
    """Stop a stream and write its history (Tautulli's ``on_stop`` / ``force_stop_stream``).

    Not ``forced`` (a stop event): ``stopped = now`` and ``view_offset`` from the event (snapped to
    the duration within its last 10 s). ``forced`` (stale, vanished, replaced): the row's own last
    update time and offset are kept. The pause counter is finalized. ``fetch_metadata(server,
    rating_key) -> dict | None`` reads the item (None for live TV or a deleted item); when it raises
    :class:`~plex.client.PlexUnavailable` the write is retried later. Emits on_stop (and on_watched
    when the threshold was reached and not yet announced) after the history is written.
    """
    if not forced:
        if view_offset is None and session.state == Session.State.PLAYING:
            # No final offset reported: it moved on with the clock since the last event.
            view_offset = (session.view_offset or 0) + 1000 * max(
                0, now - int(session.stopped or now)
            )
        session.stopped = now
        if view_offset is not None:
            duration = session.duration or 0
            session.view_offset = (
                duration if duration and duration - view_offset <= STOP_SNAP_MS else view_offset
            )
    account_pause(session, int(session.stopped or now), still_paused=False)
    became_watched = check_session_watched(session, raw_info(session).get("markers"))
    session.state = Session.State.STOPPED
    claimed = (
        Session.objects.active()
        .filter(pk=session.pk)
        .update(**{name: getattr(session, name) for name in STOP_FIELDS})
    )
    if not claimed:
        return StopOutcome(skipped=True)  # another worker stopped it first
    outcome = write_history(server, session, fetch_metadata=fetch_metadata, now=now)
    announce_stop(server, session, outcome, watched=became_watched)
    return outcome


def announce_stop(server: Server, session: Session, outcome: StopOutcome, *, watched=False) -> bool:
    """Emit on_stop (and on_watched when the stream just became ``watched``) once its history is
    written or found not to be logged; True when it did (not for a pending or skipped write)."""
    if outcome.pending or outcome.skipped:
        return False
    data = session_event_data(session)
    history_id = outcome.history.pk if outcome.history else None
    emit(server, Action.STOP, session=data, history_id=history_id)
    if watched:
        emit(server, Action.WATCHED, session=data, history_id=history_id)
    return True


def write_history(server: Server, session: Session, *, fetch_metadata, now: int) -> StopOutcome:
    """Write the history of a stopped ``session`` and delete its row, or count a failed attempt.

    Metadata failures (PMS unreachable) are retried :data:`WRITE_ATTEMPTS` times, then the row is
    written from the session's own data. Database errors keep the row for the next retry, whatever
    the count: a play is never dropped.
    """
    metadata = None
    if not session.live and fetch_metadata is not None:
        try:
            metadata = fetch_metadata(server, session.rating_key)
        except PlexUnavailable as exc:
            attempts = (session.write_attempts or 0) + 1
            if attempts < WRITE_ATTEMPTS:
                logger.warning(
                    "%s: cannot read item %s for the history of session %s (%s); retrying in %s s.",
                    server.name,
                    session.rating_key,
                    session.session_key,
                    exc,
                    WRITE_RETRY_SECONDS,
                )
                _count_attempt(session, attempts, now)
                return StopOutcome(pending=True)
            logger.warning(
                "%s: item %s still unreadable after %s attempts; writing session %s from the "
                "session's own data.",
                server.name,
                session.rating_key,
                attempts,
                session.session_key,
            )
    if metadata:
        _merge_markers(session, metadata)
    try:
        with transaction.atomic():
            if not Session.objects.select_for_update().filter(pk=session.pk).exists():
                return StopOutcome(skipped=True)  # written meanwhile by another worker
            history = write_session_history(session, metadata, stopped=session.stopped)
            Session.objects.filter(pk=session.pk).delete()
    except DatabaseError as exc:
        logger.error(
            "%s: writing the history of session %s failed (%s); retrying in %s s.",
            server.name,
            session.session_key,
            exc,
            WRITE_RETRY_SECONDS,
        )
        _count_attempt(session, (session.write_attempts or 0) + 1, now)
        return StopOutcome(pending=True)
    return StopOutcome(history=history)


def retry_pending_writes(server: Server, now: int, *, fetch_metadata) -> int:
    """Retry the stopped streams whose history is still unwritten (every 30 s); returns how many
    were written.

    Once written, on_stop is announced, and on_watched too when the stream had reached the
    watched threshold (reference 3.6) without it being announced yet (its ``watched`` is left
    unset by :func:`stop_session` until then)."""
    written = 0
    pending = Session.objects.filter(server=server, state=Session.State.STOPPED)
    for session in pending.order_by("id"):
        if now - (session.last_write_attempt or 0) < WRITE_RETRY_SECONDS:
            continue
        became_watched = check_session_watched(session, raw_info(session).get("markers"))
        outcome = write_history(server, session, fetch_metadata=fetch_metadata, now=now)
        written += announce_stop(server, session, outcome, watched=became_watched)
    return written


def _count_attempt(session: Session, attempts: int, now: int) -> None:
    """Record a failed history write: ``write_attempts`` and ``last_write_attempt`` (``now``)."""
    session.write_attempts = attempts
    session.last_write_attempt = now
    Session.objects.filter(pk=session.pk).update(write_attempts=attempts, last_write_attempt=now)


def _merge_markers(session: Session, metadata: dict) -> None:
    if not metadata.get("markers"):
        info = raw_info(session)
        if info.get("markers"):
            metadata["markers"] = info["markers"]
