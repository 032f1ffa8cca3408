"""SQLite: a trigram FTS5 index over ``HistoryGroup.search_text`` for get_history's search.

Tautulli's search is a substring match (``LIKE '%word%'``, reference 1.1), which reads every play
without an index: PostgreSQL answers it from the trigram index ``hgroup_search_trgm`` (migration
``0002_history_groups``), SQLite from this one. :data:`FTS_TABLE` is an FTS5 *external-content*
table (it stores only the index; the text stays in ``history_historygroup``) with the trigram
tokenizer (SQLite ≥ 3.34), whose phrase queries match any substring of three characters or more,
case-insensitively for ASCII letters as SQLite's LIKE (the indexed text is lowered by SQLite's
ASCII-only ``lower()``, through the view :data:`CONTENT_VIEW`, and matched case-sensitively).

It is kept current by three row-level triggers on ``history_historygroup`` (:data:`TRIGGER_NAMES`,
named ``history_historygroup_search_<event>``), so whatever writes the groups
(:mod:`history.grouping`) keeps it right. :func:`rebuilding` drops them while every group is
rebuilt and rebuilds the index once at the end (much faster than 1M row-by-row updates).
SQLite drops a table's triggers when a migration rebuilds the table: such a migration calls
:func:`install_search_index` again (``0004_search_fts`` calls it first). On PostgreSQL every
function here does nothing (and :func:`available` is False).

:func:`match_phrase` turns the user's search into one quoted FTS5 phrase, so that no input is ever
read as FTS syntax (``NEAR``, ``AND``, ``*``, ``-``, ``:``, quotes). The
phrase matches exactly the plays that ``LIKE '%search%'`` (``icontains``) matches on SQLite.
"""

from __future__ import annotations

import string
from contextlib import contextmanager

GROUPS = "history_historygroup"
FTS_TABLE = "history_historygroup_search"
# The indexed text: search_text lowered by SQLite's lower(), which folds ASCII letters only, as
# its LIKE does, so that a case-sensitive trigram match of the lowered search is exactly LIKE.
CONTENT_VIEW = "history_historygroup_search_text"
# A trigram phrase needs at least one trigram: shorter searches take the plain LIKE path.
MIN_LENGTH = 3
EVENTS = ("insert", "update", "delete")
TRIGGER_NAMES = tuple(f"{GROUPS}_search_{event}" for event in EVENTS)

_DELETE_OLD = (
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', OLD.reference_id, lower(OLD.search_text));"
)
_INSERT_NEW = (
    f"INSERT INTO {FTS_TABLE} (rowid, search_text) "
    "VALUES (NEW.reference_id, lower(NEW.search_text));"
)
_BODIES = {
    "insert": _INSERT_NEW,
    "update": _DELETE_OLD + " " + _INSERT_NEW,
    "delete": _DELETE_OLD,
}


def _sqlite(connection) -> bool:
    return connection.vendor == "sqlite"


def _create_triggers(cursor) -> None:
    for event, name in zip(EVENTS, TRIGGER_NAMES, strict=True):
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON {GROUPS} "
            f"FOR EACH ROW BEGIN {_BODIES[event]} END"
        )


def _drop_triggers(cursor) -> None:
    for name in TRIGGER_NAMES:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install_search_index(connection) -> None:
    """SQLite: (re)create the FTS5 table and its three triggers, and rebuild the index from the
    groups table (idempotent). PostgreSQL: nothing. Run it inside the caller's transaction."""
    if not _sqlite(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIEW IF NOT EXISTS {CONTENT_VIEW} AS "
            f"SELECT reference_id, lower(search_text) AS search_text FROM {GROUPS}"
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, "
            f"content='{CONTENT_VIEW}', content_rowid='reference_id', "
            "tokenize='trigram case_sensitive 1')"
        )
        _create_triggers(cursor)
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")


def remove_search_index(connection) -> None:
    """The reverse of :func:`install_search_index` (migrating backwards)."""
    if not _sqlite(connection):
        return
    with connection.cursor() as cursor:
        _drop_triggers(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        cursor.execute(f"DROP VIEW IF EXISTS {CONTENT_VIEW}")


def available(connection) -> bool:
    """Whether get_history's search can use the FTS5 index: SQLite, with the table present."""
    if not _sqlite(connection):
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
        )
        return cursor.fetchone() is not None


def missing_triggers(connection) -> list[str]:
    """SQLite: the names of :data:`TRIGGER_NAMES` absent from the database (without them the
    index misses new and changed plays; system check ``history.E002``). ``[]`` elsewhere."""
    if not _sqlite(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [GROUPS]
        )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in TRIGGER_NAMES if name not in present]


@contextmanager
def rebuilding(connection):
    """SQLite: around a rewrite of the whole groups table, drop the triggers and rebuild the
    index once afterwards. Must run inside a transaction (a failure rolls the drop back).
    Elsewhere, or without the index, nothing special."""
    if not (_sqlite(connection) and available(connection)):
        yield
        return
    with connection.cursor() as cursor:
        _drop_triggers(cursor)
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")
        _create_triggers(cursor)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def match_phrase(search: str) -> str | None:
    """The FTS5 query for a substring search: ``search`` with its ASCII letters lowered (as the
    index is, see :data:`CONTENT_VIEW`), as one double-quoted phrase (inner double quotes
    doubled, FTS5's only escape inside a string), so operators and special characters in it are
    plain text. None when it is shorter than :data:`MIN_LENGTH` characters (the trigram index
    cannot answer it) or holds a NUL."""
    if len(search) < MIN_LENGTH or "\x00" in search:
        return None
    return '"' + search.translate(_ASCII_LOWER).replace('"', '""') + '"'


def matching_keys_sql() -> str:
    """SQL of the group keys (``reference_id``) whose search_text contains the search, exactly
    as SQLite's ``search_text LIKE '%search%'`` (ASCII case-insensitive, other characters
    compared as they are), given the phrase from :func:`match_phrase` as one ``%s`` parameter."""
    return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"


# How a page of plays in date order is matched against the index, by the number of matches
# (measured at 1M plays): a few plays are looked up by key and sorted; more, the date index is
# walked and each play tested against the matching keys, read once into a list; when a large
# share of the plays match, the walk stops within a few dozen plays, each probed in the index.
FEW_MATCHES = 2000
PROBE_SHARE = 0.3


def match_count(connection, phrase: str) -> int:
    """The number of plays whose search_text contains the search (``phrase`` from
    :func:`match_phrase`): the index alone, a few ms even for a common word."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [phrase])
        return cursor.fetchone()[0]


def match_strategy(matches: int, plays: int) -> str:
    """``"keys"``, ``"walk"`` or ``"probe"`` (see :data:`FEW_MATCHES`) for ``matches`` plays
    matching out of ``plays``."""
    if matches <= FEW_MATCHES:
        return "keys"
    if plays and matches / plays >= PROBE_SHARE:
        return "probe"
    return "walk"


def probe_sql() -> str:
    """A ``Func`` template testing one play key against the search: the key and the phrase are
    its two expressions, joined by ``AND … MATCH``."""
    return f"EXISTS (SELECT 1 FROM {FTS_TABLE} WHERE rowid = %(expressions)s)"


PROBE_JOINER = f" AND {FTS_TABLE} MATCH "
