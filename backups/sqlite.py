"""SQLite backups: a consistent copy of the live database file with SQLite's online backup API
(:meth:`sqlite3.Connection.backup`, safe while the server writes: WAL readers are not blocked and
the copy is one snapshot), gzip-compressed; its verification and its restore.

Row counts are read from the copy itself (it is the source as it was at the time of the copy)
and compared, after decompression, with the restored file's.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

CHUNK = 1024 * 1024
# Pages copied per step of the online backup: the writer gets the lock back between steps.
PAGES_PER_STEP = 4096


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """``{table: row count}`` of every table of the database (SQLite's own ``sqlite_*`` ones
    aside), in name order."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
            "ESCAPE '\\' ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {
        name: connection.execute(f"SELECT COUNT(*) FROM {quoted[name]}").fetchone()[0]
        for name in names
    }


def backup(source: Path, destination: Path) -> dict[str, int]:
    """Copy the live database ``source`` into ``destination`` (gzip) with the online backup API;
    returns the row counts of the copy (``{table: rows}``)."""
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as scratch:
        copy_path = Path(scratch) / "copy.sqlite3"
        if not Path(source).is_file():
            raise FileNotFoundError(f"no database file at {source}")
        src = sqlite3.connect(source, timeout=20)
        try:
            dst = sqlite3.connect(copy_path)
            try:
                src.backup(dst, pages=PAGES_PER_STEP)
                # One self-contained file: no -wal beside the restored copy.
                dst.execute("PRAGMA journal_mode=DELETE")
                counts = table_counts(dst)
            finally:
                dst.close()
        finally:
            src.close()
        with open(copy_path, "rb") as raw, gzip.open(destination, "wb", compresslevel=6) as out:
            shutil.copyfileobj(raw, out, CHUNK)
    return counts


def decompress(archive: Path, target: Path) -> None:
    """Write the database of the gzip ``archive`` to ``target``."""
    with gzip.open(archive, "rb") as packed, open(target, "wb") as out:
        shutil.copyfileobj(packed, out, CHUNK)


def verify(archive: Path) -> tuple[str, dict[str, int] | None]:
    """Restore ``archive`` into a temporary file: ``(integrity, counts)``. ``integrity`` is the
    text of ``PRAGMA integrity_check`` (``"ok"`` when sound) or why the file could not be read;
    ``counts`` is None when it could not be read."""
    with tempfile.TemporaryDirectory(prefix="tautulli-verify-") as scratch:
        path = Path(scratch) / "verify.sqlite3"
        try:
            decompress(archive, path)
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = connection.execute("PRAGMA integrity_check").fetchall()
                integrity = "; ".join(str(row[0]) for row in rows[:20])
                counts = table_counts(connection)
            finally:
                connection.close()
        except (OSError, EOFError, sqlite3.DatabaseError, gzip.BadGzipFile) as exc:
            return f"unreadable: {exc}", None
    return integrity, counts


def restore(archive: Path, target: Path) -> None:
    """Replace the database file ``target`` by the database of ``archive``, atomically: written
    beside it, checked, then renamed over it. Nothing may have the database open (the server,
    its scheduler and monitor must be stopped): the stale ``-wal``/``-shm`` files of the old
    database are removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-restore-")
    os.close(descriptor)
    temporary = Path(temporary)
    try:
        decompress(archive, temporary)
        connection = sqlite3.connect(temporary)
        try:
            result = connection.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            connection.close()
        if result != "ok":
            raise ValueError(f"the backup's database is damaged ({result})")
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{suffix}")
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
