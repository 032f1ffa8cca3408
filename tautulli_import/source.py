"""Opening a Tautulli database read-only, checking it is one, and probing its schema.

The source is never written. It is opened with SQLite's ``file:PATH?mode=ro`` URI, which also
reads a database in WAL mode, including rows still in its ``-wal`` file (a copy taken while
Tautulli runs). To do that SQLite needs the ``-shm`` index beside the file: a read-only
connection creates it (and an empty ``-wal``) when the folder is writable, as any reader of a
WAL database does; the database file itself stays byte-identical.

When the folder is not writable and there is no ``-shm``, ``mode=ro`` cannot open a WAL
database at all (SQLITE_CANTOPEN). Only then is the file reopened with ``immutable=1``, which
reads it without any locking or shared memory. That is safe only because it is used solely when
no ``-wal`` file with content exists: ``immutable=1`` ignores the WAL, so a database whose last
writes are still in its ``-wal`` is refused instead (copy it, with the ``-wal``, somewhere
writable), and it assumes no one writes the file during the import (stop Tautulli, or import a
backup copy).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .errors import SourceError

# Without these two tables a file is not a Tautulli database.
REQUIRED_TABLES = ("session_history", "users")
# Without these a history row says nothing (who played what, from when to when): a file that
# lacks one is refused rather than imported as rows of blanks. Every Tautulli (and PlexPy)
# session_history has had them (reference: schema.sql of v2.17.2).
REQUIRED_HISTORY_COLUMNS = ("id", "user_id", "started", "stopped", "rating_key")


@dataclass
class SourceDB:
    """A read-only connection to a Tautulli database and what was learnt about its schema.

    ``columns[table]`` is the table's column names in order (PRAGMA table_info); tables that do
    not exist are absent. ``immutable`` tells that the ``immutable=1`` fallback was used.
    """

    path: Path
    connection: sqlite3.Connection
    columns: dict[str, list[str]] = field(default_factory=dict)
    immutable: bool = False

    def has_table(self, table: str) -> bool:
        return table in self.columns

    def scalar(self, sql: str, params=()):
        """First column of the first row of ``sql`` (None when there is no row)."""
        row = self.connection.execute(sql, params).fetchone()
        return row[0] if row else None

    def count(self, table: str) -> int:
        return int(self.scalar(f'SELECT COUNT(*) FROM "{table}"')) if self.has_table(table) else 0

    def id_range(self, table: str, column: str = "id") -> tuple[int, int] | None:
        """``(min, max)`` of an integer id column, or None for an empty or missing table."""
        if not self.has_table(table) or column not in self.columns[table]:
            return None
        row = self.connection.execute(
            f'SELECT MIN("{column}"), MAX("{column}") FROM "{table}" '
            f"WHERE typeof(\"{column}\") = 'integer'"
        ).fetchone()
        return (int(row[0]), int(row[1])) if row and row[0] is not None else None

    def version(self) -> str:
        """Tautulli's ``version_info`` version (e.g. ``v2.17.2``), '' when unknown."""
        if not self.has_table("version_info"):
            return ""
        value = self.scalar("SELECT value FROM version_info WHERE key = 'version'")
        return str(value or "")[:32]

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def batches(self, sql: str, size: int) -> Iterator[Iterator[list]]:
        """Rows of ``sql`` in lists of at most ``size`` (``fetchmany``: memory stays flat)."""
        cursor = self.connection.execute(sql)

        def chunks():
            while rows := cursor.fetchmany(size):
                yield rows

        try:
            yield chunks()
        finally:
            cursor.close()


def _uri(path: Path, *, immutable: bool) -> str:
    query = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"file:{quote(str(path.resolve()))}?{query}"


def _connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
    """A connection that reads ``path`` (and proves it can, with a first query)."""
    connection = sqlite3.connect(_uri(path, immutable=immutable), uri=True, check_same_thread=False)
    try:
        connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except BaseException:
        connection.close()
        raise
    return connection


def _wal_has_content(path: Path) -> bool:
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def open_source(path: str | Path) -> SourceDB:
    """Open ``path`` read-only, check it is a Tautulli database and probe its tables' columns.

    Raises :class:`SourceError` (one line, for exit status 2) for a missing file, a file that
    is not SQLite or is corrupt, an SQLite file without ``session_history``/``users``, and a
    ``session_history`` without one of :data:`REQUIRED_HISTORY_COLUMNS`.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if not path.is_file():
        raise SourceError(f"{path}: not a file")
    immutable = False
    try:
        connection = _connect(path, immutable=False)
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") != "SQLITE_CANTOPEN":
            raise SourceError(f"{path}: cannot read it as an SQLite database ({exc})") from None
        if _wal_has_content(path):
            raise SourceError(
                f"{path}: its -wal file cannot be read without a -shm file in a folder that is "
                "not writable; copy the database with its -wal file to a writable folder"
            ) from None
        try:
            connection = _connect(path, immutable=True)
        except sqlite3.Error as exc2:
            raise SourceError(f"{path}: cannot open the database ({exc2})") from None
        immutable = True
    except sqlite3.DatabaseError as exc:
        raise SourceError(f"{path}: not a valid SQLite database ({exc})") from None

    source = SourceDB(path=path, connection=connection, immutable=immutable)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            source.columns[table] = [
                row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')
            ]
    except sqlite3.DatabaseError as exc:
        source.close()
        raise SourceError(f"{path}: the database is corrupt ({exc})") from None
    missing = [t for t in REQUIRED_TABLES if t not in source.columns]
    if missing:
        source.close()
        raise SourceError(f"{path}: not a Tautulli database (no {' or '.join(missing)} table)")
    history = source.columns["session_history"]
    missing = [c for c in REQUIRED_HISTORY_COLUMNS if c not in history]
    if missing:
        source.close()
        raise SourceError(
            f"{path}: session_history lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (a play needs its id, user, start and stop times and item); "
            "nothing was imported"
        )
    return source
