"""Reading the application log (``LOG_FILE``, :mod:`operations.logfile`'s format) from its end.

:func:`entries` yields the records newest first, reading the file backwards in blocks of
:data:`BLOCK` bytes, so a page of the newest lines costs a few blocks whatever the file's size;
then the rotated files (``tautulli.log.1``, ``.2``...), newest first. A line that does not start
a record (a traceback's) belongs to the record before it.

A record: ``{"time": "2026-11-22 10:30:00", "loglevel": "INFO", "thread": "MainThread",
"logger": "plex.monitor", "msg": "Monitoring ..." (continuation lines joined with "\\n")}``
— Tautulli's get_logs keys, plus the logger's name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

BLOCK = 64 * 1024
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_RECORD = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) - (?P<loglevel>[A-Z]+)\s* :: "
    r"(?P<thread>.*?) : (?P<logger>[^\s:]+): (?P<msg>.*)$"
)


def log_file() -> Path:
    return Path(settings.LOG_FILE)


def log_files() -> list[Path]:
    """The log file and its rotated copies that exist, newest first."""
    base = log_file()
    files = [base] if base.exists() else []
    index = 1
    while (rotated := base.with_name(f"{base.name}.{index}")).exists():
        files.append(rotated)
        index += 1
    return files


def lines_backwards(path: Path) -> Iterator[str]:
    """The lines of ``path``, last first, read in blocks from the end (undecodable bytes
    replaced)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        position = handle.tell()
        rest = b""
        while position > 0:
            size = min(BLOCK, position)
            position -= size
            handle.seek(position)
            chunk = handle.read(size) + rest
            lines = chunk.split(b"\n")
            rest = lines.pop(0)  # may continue in the block before
            for line in reversed(lines):
                if line:
                    yield line.decode("utf-8", "replace")
        if rest:
            yield rest.decode("utf-8", "replace")


def parse(line: str) -> dict | None:
    """The record a line starts, or None for a continuation line."""
    match = _RECORD.match(line)
    return match.groupdict() if match else None


def entries(files: list[Path] | None = None) -> Iterator[dict]:
    """Every record, newest first (see the module doc)."""
    for path in log_files() if files is None else files:
        continuation: list[str] = []
        try:
            for line in lines_backwards(path):
                record = parse(line)
                if record is None:
                    continuation.append(line)
                    continue
                if continuation:
                    record["msg"] = "\n".join([record["msg"], *reversed(continuation)])
                    continuation = []
                yield record
        except FileNotFoundError:  # rotated away while we read: the next file has it
            continue


def matches(record: dict, *, level: str = "", search: str = "", regex=None) -> bool:
    """Whether ``record`` is at ``level`` or above, contains ``search`` (case-insensitive, in
    its message, logger or thread) and matches ``regex`` (a compiled pattern, same fields)."""
    if level and LEVELS.index(level) > _level_index(record["loglevel"]):
        return False
    text = " ".join((record["msg"], record["logger"], record["thread"], record["loglevel"]))
    if search and search.lower() not in text.lower():
        return False
    return not (regex is not None and not regex.search(text))


def _level_index(name: str) -> int:
    return LEVELS.index(name) if name in LEVELS else len(LEVELS)


def page(number: int, per_page: int, **filters) -> tuple[list[dict], bool]:
    """Page ``number`` (from 1) of the records matching ``filters`` (:func:`matches`), newest
    first, and whether an older page exists. Reads only as far back as that page needs."""
    skip = (number - 1) * per_page
    found: list[dict] = []
    for record in entries():
        if not matches(record, **filters):
            continue
        if skip:
            skip -= 1
            continue
        if len(found) == per_page:
            return found, True
        found.append(record)
    return found, False
