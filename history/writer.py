"""Turn a finished live session into watch history: Tautulli's ``write_session_history``
(reference 3.5) and ``group_history`` (reference 3.6).

Independent of how the session was observed: the websocket monitor (on_stop, stale timer) and the
reconciliation poll both call :func:`write_session_history` with the ``servers.models.Session`` row
they hold (Tautulli's ``sessions`` columns: times epoch **seconds**, ``view_offset``/``duration``
**milliseconds**, ``paused_counter`` seconds) and the item's metadata.

Settings (:func:`core.config.monitoring_value`): ``LOGGING_IGNORE_INTERVAL`` (120 s, 0 disables),
and the watched settings of :mod:`history.watched` used by the grouping rule.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import models, transaction

from core import clock
from core.config import monitoring_value
from core.timeutils import from_epoch
from libraries.models import Library
from servers.models import Session, SessionContinued
from users.models import User

from .models import LOGGED_MEDIA_TYPES, History, HistoryMediaInfo, HistoryMetadata
from .watched import check_watched

logger = logging.getLogger(__name__)

DEFAULT_LOGGING_IGNORE_INTERVAL = 120  # seconds (reference 3.5)
SKIPPED_TRACK_SECONDS = 15  # a track played less than this is a skip …
SKIPPED_TRACK_MIN_DURATION_MS = 30_000  # … unless the track itself is shorter than 30 s
LIVE_GROUPING_WINDOW = 86_400  # seconds: live TV groups with the user's rows of the last day

# session_history columns copied from the session (History field → session key), reference 3.5.
HISTORY_FROM_SESSION = {
    "rating_key": "rating_key",
    "parent_rating_key": "parent_rating_key",
    "grandparent_rating_key": "grandparent_rating_key",
    "username": "user",
    "ip_address": "ip_address",
    "paused_counter": "paused_counter",
    "player": "player",
    "product": "product",
    "product_version": "product_version",
    "platform": "platform",
    "platform_version": "platform_version",
    "profile": "profile",
    "machine_id": "machine_id",
    "bandwidth": "bandwidth",
    "location": "location",
    "quality_profile": "quality_profile",
    "secure": "secure",
    "relayed": "relayed",
    "media_type": "media_type",
    "view_offset": "view_offset",
}
# session_history_metadata columns Tautulli takes from the session even when metadata was fetched;
# every other column comes from the metadata (falling back to the session).
METADATA_FROM_SESSION = frozenset(
    {
        "rating_key",
        "parent_rating_key",
        "grandparent_rating_key",
        "title",
        "parent_title",
        "grandparent_title",
        "original_title",
        "full_title",
        "thumb",
        "parent_thumb",
        "grandparent_thumb",
        "media_type",
        "live",
        "channel_call_sign",
        "channel_id",
        "channel_identifier",
        "channel_title",
        "channel_thumb",
        "channel_vcn",
    }
)


def write_session_history(
    session: Session, metadata: dict | None, *, stopped: int | None = None
) -> History | None:
    """Write the history of a finished ``session`` (reference 3.5) and group it (reference 3.6).

    ``metadata``: Tautulli's ``session_history_metadata`` fields of the item (``title``,
    ``duration`` ms, ``guid``, ``section_id``, ``added_at`` epoch s, people/genres/labels as lists
    or ``;``-joined text, ``marker_credits_first``/``_final`` ms or a ``markers`` list as PMS gives
    it); None for live TV, whose own session fields are used. ``stopped``: epoch seconds of the
    stop; defaults to the session's stored ``stopped`` (its last update), else now.

    In one transaction: upsert :class:`~servers.models.SessionContinued`, then, when the logging
    criteria pass, insert History + HistoryMetadata + HistoryMediaInfo and set ``reference_id``.
    Returns the History row, or None when the stream is not logged (not an error: the caller
    clears the session either way). Database errors propagate so that the caller can retry.
    """
    values = session_values(session)
    stopped_epoch = int(stopped if stopped is not None else (session.stopped or clock.epoch()))
    with transaction.atomic():
        _upsert_session_continued(values, stopped_epoch)
        if not _logging_enabled(session, values, metadata, stopped_epoch):
            return None
        source = dict(metadata) if metadata is not None else values
        history = _insert_history(session, values, source, stopped_epoch)
        _group(history, values, source)
    return history


def session_values(session: Session) -> dict:
    """The session's columns as a dict, completed by its ``raw_stream_info`` JSON.

    Tautulli merges the raw stream info back into the session before writing (reference 3.5,
    step 1); here the row's own non-null columns win, the JSON only fills the keys the row lacks
    (``product_version``, ``platform_version``, ``profile``, ``video_bit_depth`` …).
    """
    values = {
        field.attname if field.is_relation else field.name: getattr(session, field.attname)
        for field in Session._meta.concrete_fields
    }
    try:
        raw = json.loads(session.raw_stream_info) if session.raw_stream_info else {}
    except (TypeError, ValueError):
        raw = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            if values.get(key) is None:
                values[key] = value
    return values


def logging_ignore_interval() -> int:
    """``LOGGING_IGNORE_INTERVAL`` in seconds (0 disables the minimum play time)."""
    return int(monitoring_value("LOGGING_IGNORE_INTERVAL", DEFAULT_LOGGING_IGNORE_INTERVAL) or 0)


# --- internals ------------------------------------------------------------------------------------


def _upsert_session_continued(values: dict, stopped_epoch: int) -> None:
    """Remember the last stop per (user, machine, media_type) (reference 3.5 step 2)."""
    SessionContinued.objects.bulk_create(
        [
            SessionContinued(
                user_id=values.get("user_id"),
                machine_id=values.get("machine_id"),
                media_type=values.get("media_type"),
                stopped=stopped_epoch,
            )
        ],
        update_conflicts=True,
        unique_fields=["user_id", "machine_id", "media_type"],
        update_fields=["stopped"],
    )


def _is_numeric(value) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _logging_enabled(
    session: Session, values: dict, metadata: dict | None, stopped_epoch: int
) -> bool:
    """Tautulli's logging criteria (reference 3.5 step 3); the library is the one the row would
    be logged under: (server, section_id) with the section from the metadata, else the session."""
    media_type = values.get("media_type")
    if not _is_numeric(values.get("rating_key")) or media_type not in LOGGED_MEDIA_TYPES:
        return False
    real_play_time = (
        stopped_epoch - _int(values.get("started")) - _int(values.get("paused_counter"))
    )
    interval = logging_ignore_interval()
    if interval and media_type in ("movie", "episode") and real_play_time < interval:
        logger.debug("Not logging session %s: played %s s", session.session_key, real_play_time)
        return False
    if (
        media_type == "track"
        and real_play_time < SKIPPED_TRACK_SECONDS
        and _int(values.get("duration")) >= SKIPPED_TRACK_MIN_DURATION_MS
    ):
        logger.debug("Not logging session %s: skipped track", session.session_key)
        return False
    user = _user(values)
    if user is not None and not user.keep_history:
        return False
    library = Library.objects.filter(
        server_id=session.server_id, section_id=_section_id(values, metadata)
    ).first()
    return library is None or library.keep_history


def _section_id(values: dict, metadata: dict | None) -> int | None:
    """The library section of the row: the metadata's (reference 3.5 step 5), else the session's."""
    section_id = (metadata or {}).get("section_id")
    if section_id in (None, ""):
        section_id = values.get("section_id")
    return int_or_none(section_id)


def _user(values: dict) -> User | None:
    """The session's user; a placeholder user is created for an account not known yet, so that
    the history row keeps its plex.tv id (History.user is a foreign key on ``user_id``)."""
    user_id = values.get("user_id")
    if user_id is None:
        return None
    user, _created = User.objects.get_or_create(
        user_id=user_id,
        defaults={"username": values.get("user") or "", "placeholder": True},
    )
    return user


def _insert_history(session: Session, values: dict, source: dict, stopped_epoch: int) -> History:
    started_epoch = _int(values.get("started")) or None
    paused = _int(values.get("paused_counter"))
    row = {
        name: _coerce(History, name, values.get(key)) for name, key in HISTORY_FROM_SESSION.items()
    }
    row["section_id"] = _section_id(values, source)
    history = History.objects.create(
        server_id=session.server_id,
        user_id=values.get("user_id"),
        started=from_epoch(started_epoch),
        stopped=from_epoch(stopped_epoch),
        play_duration=History.compute_play_duration(started_epoch, stopped_epoch, paused),
        **row,
    )
    HistoryMetadata.objects.create(history=history, **_metadata_row(values, source))
    HistoryMediaInfo.objects.create(
        history=history,
        **{
            field.name: _coerce(HistoryMediaInfo, field.name, values.get(field.name))
            for field in _own_fields(HistoryMediaInfo)
        },
    )
    return history


def _metadata_row(values: dict, source: dict) -> dict:
    first, final = _credits_markers(source)
    row = {}
    for field in _own_fields(HistoryMetadata):
        name = field.name
        primary, fallback = (values, source) if name in METADATA_FROM_SESSION else (source, values)
        value = primary.get(name)
        if value is None or value == "":
            value = fallback.get(name, value)
        row[name] = _coerce(HistoryMetadata, name, value)
    row["marker_credits_first"] = first
    row["marker_credits_final"] = final
    return row


def _credits_markers(source: dict) -> tuple[int | None, int | None]:
    """(first, final) credits marker offsets in ms: explicit columns, else PMS's ``markers`` list."""
    first = int_or_none(source.get("marker_credits_first"))
    final = int_or_none(source.get("marker_credits_final"))
    listed_first, listed_final = credits_markers(source.get("markers"))
    return (
        listed_first if first is None else first,
        listed_final if final is None else final,
    )


def credits_markers(markers) -> tuple[int | None, int | None]:
    """(first, final) credits marker start offsets in ms from a metadata ``markers`` list
    (``[{type, start_time_offset, first, final}]``, Tautulli's ``get_first_final_marker``: the
    credits markers flagged first/final); None where there is none."""
    first = final = None
    for marker in markers or []:
        if not isinstance(marker, dict) or marker.get("type", "credits") != "credits":
            continue
        offset = int_or_none(marker.get("start_time_offset"))
        if marker.get("first") and first is None:
            first = offset
        if marker.get("final") and final is None:
            final = offset
    return first, final


def _group(history: History, values: dict, source: dict) -> None:
    """Set ``reference_id`` (reference 3.6, Tautulli's ``group_history``).

    Not live: the user's previous row of the same rating_key (same server); when that row was not
    watched and its ``view_offset`` ≤ the new row's, the new row continues its play (takes its
    reference_id); otherwise it starts a play of its own (reference_id = id). Live TV: the user's
    previous row started within the last day continues when it has the same guid.
    """
    previous = History.objects.filter(user_id=history.user_id, id__lt=history.id).order_by("-id")
    continues = False
    if _truthy(values.get("live")):
        since = _int(values.get("started")) - LIVE_GROUPING_WINDOW
        previous = (
            previous.filter(started__gt=from_epoch(since))
            .values("id", "reference_id", "metadata__guid")
            .first()
        )
        guid = history.metadata.guid
        continues = bool(previous and guid and previous["metadata__guid"] == guid)
    else:
        previous = (
            previous.filter(server_id=history.server_id, rating_key=history.rating_key)
            .values("id", "reference_id", "view_offset")
            .first()
        )
        if previous is not None:
            metadata = history.metadata
            previous_offset = previous["view_offset"] or 0
            watched = check_watched(
                history.media_type,
                previous_offset,
                metadata.duration,
                metadata.marker_credits_first,
                metadata.marker_credits_final,
            )
            continues = not watched and previous_offset <= (history.view_offset or 0)
    reference_id = (previous["reference_id"] or previous["id"]) if continues else history.id
    History.objects.filter(pk=history.pk).update(reference_id=reference_id)
    history.reference_id = reference_id


def _own_fields(model) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _coerce(model, name: str, value):
    """A session/metadata value (often a string in PMS/Tautulli JSON) as ``model.name`` stores it.

    Lists become ``;``-joined text (Tautulli's people/genres/labels); epoch seconds become aware
    UTC datetimes; unparsable numbers become NULL (or the field's default when not nullable).
    """
    field = model._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        result = None if value in (None, "") else _truthy(value)
    elif isinstance(field, models.IntegerField):
        result = int_or_none(value)
    elif isinstance(field, models.DateTimeField):
        result = value if isinstance(value, dt.datetime) else from_epoch(value)
    elif isinstance(value, (list, tuple)):
        result = ";".join(str(item) for item in value)
    else:
        result = None if value is None else str(value)
    if result is None and not field.null and field.has_default():
        return field.get_default()
    return result


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def int_or_none(value) -> int | None:
    """An int from an int, float or numeric string (PMS JSON often has strings); else None."""
    if value is None or value == "":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def _int(value) -> int:
    """Tautulli's ``cast_to_int``: junk and None → 0."""
    return int_or_none(value) or 0
