"""API rows → an in-memory SQLite database shaped like Tautulli's, read by the file import's plans.

The file import turns Tautulli's tables into ours with one SELECT per table (``tables.py``),
reading each column by its Tautulli name and defaulting the ones a source lacks. Rows read
through ``/api/v2`` are put back under those names, in tables of those names, so the very same
plans, id maps and dedupe write them: a synced row is what the file import makes of the same
values. What the API does not carry stays at the default an older Tautulli's missing column
gets (see :data:`HISTORY_COLUMNS` and the module's notes in ``sync``).
"""

from __future__ import annotations

import json
import sqlite3
from operator import itemgetter
from pathlib import Path

from ..source import SourceDB
from ..sql import quote_ident

# session_history ← get_history row keys (row_id is the table's id). section_id is not in a
# get_history row: the sync adds it (see sync.attach_sections).
HISTORY_COLUMNS = {
    "id": "row_id",
    "reference_id": "reference_id",
    "started": "started",
    "stopped": "stopped",
    "paused_counter": "paused_counter",
    "user_id": "user_id",
    "user": "user",
    "platform": "platform",
    "product": "product",
    "player": "player",
    "ip_address": "ip_address",
    "machine_id": "machine_id",
    "location": "location",
    "secure": "secure",
    "relayed": "relayed",
    "media_type": "media_type",
    "rating_key": "rating_key",
    "parent_rating_key": "parent_rating_key",
    "grandparent_rating_key": "grandparent_rating_key",
    "section_id": "section_id",
}
# session_history_metadata ← get_history row keys. get_history's ``thumb`` is an episode's
# season thumb (else the show's) and another item's own thumb (datafactory): it goes back to
# parent_thumb for episodes, thumb otherwise (see history_rows).
METADATA_COLUMNS = {
    "id": "row_id",
    "media_type": "media_type",
    "rating_key": "rating_key",
    "parent_rating_key": "parent_rating_key",
    "grandparent_rating_key": "grandparent_rating_key",
    "title": "title",
    "parent_title": "parent_title",
    "grandparent_title": "grandparent_title",
    "original_title": "original_title",
    "full_title": "full_title",
    "media_index": "media_index",
    "parent_media_index": "parent_media_index",
    "year": "year",
    "originally_available_at": "originally_available_at",
    "guid": "guid",
    "live": "live",
    "thumb": None,
    "parent_thumb": None,
}
MEDIA_INFO_COLUMNS = {
    "id": "row_id",
    "rating_key": "rating_key",
    "transcode_decision": "transcode_decision",
}
# library_sections ← get_libraries_table row keys. Its ``thumb``/``art`` are the last played
# item's; the library's own are ``library_thumb``/``library_art``.
LIBRARY_COLUMNS = {
    "server_id": "server_id",
    "section_id": "section_id",
    "section_name": "section_name",
    "section_type": "section_type",
    "agent": "agent",
    "thumb": "library_thumb",
    "art": "library_art",
    "count": "count",
    "parent_count": "parent_count",
    "child_count": "child_count",
    "is_active": "is_active",
    "do_notify": "do_notify",
    "do_notify_created": "do_notify_created",
    "keep_history": "keep_history",
}
# users ← get_users row keys (the same names; row_id is Tautulli's surrogate key, unused).
USER_COLUMNS = (
    "user_id",
    "username",
    "friendly_name",
    "thumb",
    "custom_avatar_url",
    "title",
    "email",
    "is_active",
    "is_admin",
    "is_home_user",
    "is_allow_sync",
    "is_restricted",
    "do_notify",
    "keep_history",
    "allow_guest",
    "shared_libraries",
    "filter_all",
    "filter_movies",
    "filter_tv",
    "filter_music",
    "filter_photos",
)

STAGING_PATH = Path("tautulli-api")  # the SourceDB's name in messages: not a file


def _scalar(value):
    """A JSON value as SQLite stores it: lists as Tautulli's ``;``-joined text, objects as JSON."""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def staging_source(tables: dict[str, tuple[list[str], list[tuple]]]) -> SourceDB:
    """A :class:`SourceDB` over a new in-memory database holding ``tables``:
    ``{table: (columns, rows)}`` (untyped columns, so values keep the API's types and the
    plans' conversions apply as to a file)."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    source = SourceDB(path=STAGING_PATH, connection=connection)
    for table, (columns, rows) in tables.items():
        cols = ", ".join(quote_ident(c) for c in columns)
        connection.execute(f"CREATE TABLE {quote_ident(table)} ({cols})")
        if rows:
            marks = ", ".join("?" * len(columns))
            connection.executemany(f"INSERT INTO {quote_ident(table)} VALUES ({marks})", rows)
        source.columns[table] = list(columns)
    return source


def users_table(users: list[dict]) -> tuple[list[str], list[tuple]]:
    """``users`` staging table from ``get_users`` rows (the columns the answer has)."""
    present = [c for c in USER_COLUMNS if any(c in u for u in users)] or ["user_id"]
    return present, [tuple(_scalar(u.get(c)) for c in present) for u in users]


def libraries_table(libraries: list[dict]) -> tuple[list[str], list[tuple]]:
    """``library_sections`` staging table from ``get_libraries_table`` rows (not deleted)."""
    present = [c for c, key in LIBRARY_COLUMNS.items() if any(key in r for r in libraries)]
    present = present or ["server_id", "section_id"]
    rows = [tuple(_scalar(r.get(LIBRARY_COLUMNS[c])) for c in present) + (0,) for r in libraries]
    return [*present, "deleted_section"], rows


def _thumb(row: dict, column: str):
    episode = row.get("media_type") == "episode"
    if column == "parent_thumb":
        return row.get("thumb") if episode else None
    return None if episode else row.get("thumb")


_PLAIN = frozenset({str, int, float, type(None)})


def history_tables(rows: list[dict]) -> dict[str, tuple[list[str], list[tuple]]]:
    """The three history staging tables (plus an empty ``users``, which the placeholder-user
    step reads) from ``get_history`` rows carrying a ``section_id`` key."""

    def table(spec: dict):
        keys = [key for key in spec.values() if key]
        thumbs = [column for column, key in spec.items() if not key]
        pick = itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
        values = []
        for row in rows:
            try:
                value = pick(row)
            except KeyError:  # a key this Tautulli does not send: None, as a missing column
                value = tuple(row.get(key) for key in keys)
            if not _PLAIN.issuperset(map(type, value)):
                value = tuple(_scalar(v) for v in value)
            if thumbs:
                value += tuple(_thumb(row, column) for column in thumbs)
            values.append(value)
        return [*(c for c, key in spec.items() if key), *thumbs], values

    return {
        "users": (["user_id"], []),
        "session_history": table(HISTORY_COLUMNS),
        "session_history_metadata": table(METADATA_COLUMNS),
        "session_history_media_info": table(MEDIA_INFO_COLUMNS),
    }
