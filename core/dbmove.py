"""Move a SQLite install into PostgreSQL (``manage.py move_database --to postgres://...``).

Generic: nothing here knows the project's tables. The tables moved are those the target has
after ``migrate`` that the source has too (every installed app's, Django's, django-q2's,
auditlog's; ``django_migrations`` excepted: ``migrate`` wrote it), read from the database
introspection of both sides. Tables only SQLite has (the FTS5 search index and its shadow
tables) stay behind: the target's migrations built PostgreSQL's own (trigram) indexes.

How (:func:`move_database`):

1. Refusals: the source is not SQLite, or has unapplied migrations; the target URL is not a
   PostgreSQL URL or the server does not answer; the target holds rows (any table) unless
   ``force``.
2. **One transaction on the target** (atomic, not resumable): ``migrate`` (PostgreSQL's DDL is
   transactional), ``TRUNCATE`` of every table to move (the rows ``migrate`` itself wrote:
   content types, permissions, schedules), the copy, the sequences, the verification. Any
   failure, a checksum mismatch included, rolls it all back: the target is left as it was.
   The project's data migrations write through their schema editor's connection; while
   ``migrate`` runs, a router also sends any other ORM call to the target (a third-party
   migration using ``Model.objects`` without ``.using()`` would otherwise touch the source),
   and the source is read-only for the whole move (``PRAGMA query_only``): whatever still
   reaches for Django's default connection fails the move rather than change the install.
3. The copy: triggers and foreign-key checks are off for the copy through
   ``SET LOCAL session_replication_role = replica`` (needs a superuser; otherwise the user
   triggers are disabled per table with ``ALTER TABLE … DISABLE TRIGGER USER`` and enabled
   again in the same transaction, and the foreign keys, which Django creates ``DEFERRABLE
   INITIALLY DEFERRED``, are checked at commit). So the history triggers do not queue every
   moved play: the queues and freshness markers of the derived tables (play groups, rollups,
   media statistics) arrive exactly as the source had them, and nothing is rebuilt after the
   move. The triggers themselves are created by ``migrate`` and stay enabled: the report
   counts them.
4. Each table is read from SQLite in batches (``batch_size`` rows, keyset pagination on the
   rowid, which is the integer primary key of Django's tables), inside one read transaction
   (a consistent snapshot of a running install; SQLite's WAL lets the server keep writing),
   and written with psycopg 3's ``COPY … FROM STDIN`` (``write_row``). Values are converted to
   the *target column's type* (PostgreSQL introspection): SQLite's 0/1 booleans, text
   datetimes (naive UTC, as Django writes them), JSON text, microsecond durations, hex UUIDs.
   The secondary indexes (those backing no constraint) are dropped before the copy and built
   once after it, in the same transaction: far faster than updating them row by row. Rows go in
   with ``COPY … (FREEZE)`` (the tables were truncated in this transaction).
5. Verification, per table: the row count and a checksum. The checksum is order-independent:
   the sums of the two 64-bit halves (as signed integers) of the MD5 digest of each row's text
   as PostgreSQL writes a row (``record_out``: ``(1,t,"a, b",,2026-11-22 10:30:00+00)``, each
   value in its type's text with ``TimeZone = UTC``). The source side is computed in Python
   while streaming, by a second process fed the converted batches (another core), writing
   each value as PostgreSQL would (floats by ``float8out``'s rule, datetimes in UTC with
   trimmed fractions, ...). The target side is computed **by PostgreSQL**,
   ``md5(t::text)`` summed inside the transaction before commit: no row travels back. A table
   with a type whose text Python does not reproduce (JSON: jsonb orders keys its own way) is
   read back instead (server-side cursor) and digested in Python from the typed values, and so
   is any table whose SQL checksum differs (the read-back digest decides, so a text corner, an
   IPv4-mapped address say, cannot fail a good move).
6. Every sequence owned by a moved column is set to the column's ``MAX`` (``setval`` on
   ``pg_get_serial_sequence``), the transaction commits, the statistics' answer cache is
   emptied (its keys hold the rollup generation, which the move carries over), then
   ``ANALYZE``.

Memory stays flat: one batch at a time on each side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import math
import multiprocessing
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import load_backend

TARGET_ALIAS = "move_target"
BATCH_SIZE = 10_000
SKIPPED_TABLES = frozenset({"django_migrations"})


class MoveError(Exception):
    """A refusal or a failure, in one readable line (the target is left as it was)."""


@dataclass
class TableResult:
    table: str
    rows: int
    checksum: tuple[int, int]
    target_rows: int = 0
    target_checksum: tuple[int, int] = (0, 0)
    read_back: bool = False  # the target side was read back (not computed in SQL)

    @property
    def equal(self) -> bool:
        return self.rows == self.target_rows and self.checksum == self.target_checksum


@dataclass
class MoveResult:
    tables: list[TableResult] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)  # source tables the target has not
    triggers: list[str] = field(default_factory=list)  # user triggers in force on the target
    disabled_triggers: list[str] = field(default_factory=list)  # present but disabled (none)
    sequences: int = 0
    indexes: int = 0  # secondary indexes built after the copy
    trigger_method: str = ""
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def checked_in_sql(self) -> int:
        """How many tables' target checksums PostgreSQL computed (the others were read back)."""
        return sum(not t.read_back for t in self.tables)


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for logs and progress lines)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def add_target_alias(url: str, alias: str = TARGET_ALIAS) -> str:
    """Add the database of ``url`` (a ``postgres://`` URL) to Django's connections as ``alias``
    and connect to it; :class:`MoveError` when the URL is not a PostgreSQL one or the server
    does not answer."""
    try:
        config = dj_database_url.parse(url)
    except ValueError:  # dj-database-url's UnknownSchemeError, ParseError
        raise MoveError(
            "--to is not a PostgreSQL URL (postgres://user:password@host:5432/name)"
        ) from None
    if config.get("ENGINE") != "django.db.backends.postgresql" or not config.get("NAME"):
        raise MoveError(
            f"--to must be a PostgreSQL URL naming a database "
            f"(postgres://user:password@host:5432/name), not {masked(url)}"
        )
    # A connection of this thread only, not added to settings.DATABASES: nothing else in the
    # process (and no test isolation) takes it for one of the project's databases.
    remove_alias(alias)
    settings_dict = connections.configure_settings(
        {DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS], alias: config}
    )[alias]
    connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        connections[alias].ensure_connection()
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MoveError(f"cannot connect to {masked(url)}: {first}") from None
    return alias


def remove_alias(alias: str = TARGET_ALIAS) -> None:
    """Close and forget the connection :func:`add_target_alias` made (if any)."""
    wrapper = getattr(connections._connections, alias, None)
    if wrapper is not None:
        wrapper.close()
        del connections[alias]


# --- Values: target column type -> (conversion for COPY, part of the row text) --------------


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _to_datetime(value):
    if value is None or isinstance(value, dt.datetime):
        return None if value is None else _utc(value)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return _utc(dt.datetime.fromisoformat(str(value)))


def _to_naive_datetime(value):
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _to_interval(value):
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=int(value))


def _to_bool(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "yes", "on")
    return bool(value)


def _text_value(value) -> str:
    """A value stored in a text column, as COPY wrote it (psycopg's text dumpers)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def _float_text(value) -> str:
    """PostgreSQL's text of a ``double precision`` (``float8out``, shortest exact digits):
    Python's ``repr`` but ``100`` for ``100.0``, exponent notation from 1e15 (Python: 1e16),
    ``NaN``/``Infinity``."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    if "e" in text:
        return text
    if 1e15 <= abs(value) < 1e16:
        digits = text.lstrip("-").replace(".", "").rstrip("0") or "0"
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return ("-" if value < 0 else "") + mantissa + "e+15"
    return text[:-2] if text.endswith(".0") else text


def _fraction(value) -> str:
    return f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""


def _timestamp_text(value: dt.datetime) -> str:
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_fraction(value)}"
    )


def _timestamptz_text(value) -> str:
    """``timestamp with time zone`` as PostgreSQL writes it with ``TimeZone = UTC``."""
    return _timestamp_text(_to_datetime(value).astimezone(dt.UTC)) + "+00"


def _naive_timestamp_text(value) -> str:
    return _timestamp_text(_to_naive_datetime(value))


def _date_text(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    elif not isinstance(value, dt.date):
        value = dt.date.fromisoformat(str(value))
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _inet_text(value) -> str:
    interface = ipaddress.ip_interface(str(value))
    full = interface.network.prefixlen == interface.max_prefixlen
    return str(interface.ip) if full else str(interface)


def _canonical_json(value) -> str:
    if isinstance(value, bytes | str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# What makes PostgreSQL quote a value in a row's text (ASCII whitespace only: it tests bytes).
_QUOTE_CHARS = frozenset(' ",\\()\t\n\r\v\f')


def _quoted(text: str) -> str:
    """``text`` as a value of a row's text (``record_out``): quoted, ``"`` and ``\\`` doubled,
    when empty or holding ``"``, ``\\``, ``(``, ``)``, ``,`` or whitespace; else as is."""
    if text == "" or not _QUOTE_CHARS.isdisjoint(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '""') + '"'
    return text


def _text_part(value) -> str:
    """A text column's part of the row text (one call per value: most of a row's values)."""
    return _quoted(value if value.__class__ is str else _text_value(value))


_MICROSECOND = dt.timedelta(microseconds=1)

# Per target column type: (COPY conversion or None, the value's part of the row text as
# PostgreSQL writes a row, whether PostgreSQL's own text is that exactly). Numbers, booleans and
# dates are never quoted, datetimes always are (a space, no quote or backslash); integers arrive
# as Python ints (SQLite keeps an integer column's values so). A type that is not exact (JSON:
# jsonb orders keys its own way) makes its table's target checksum a read-back.
_TYPES: dict[str, tuple[Callable | None, Callable, bool]] = {
    "boolean": (_to_bool, lambda v: "t" if v else "f", True),
    "smallint": (None, str, True),
    "integer": (None, str, True),
    "bigint": (None, str, True),
    "double precision": (None, _float_text, True),
    "text": (None, _text_part, True),
    "character varying": (None, _text_part, True),
    "timestamp with time zone": (_to_datetime, lambda v: f'"{_timestamptz_text(v)}"', True),
    "timestamp without time zone": (
        _to_naive_datetime,
        lambda v: f'"{_naive_timestamp_text(v)}"',
        True,
    ),
    "date": (None, _date_text, True),
    "inet": (None, _inet_text, True),
    "interval": (_to_interval, lambda v: str(_to_interval(v) // _MICROSECOND), False),
    "uuid": (None, lambda v: uuid.UUID(str(v)).hex, False),
    "bytea": (None, lambda v: bytes(v).hex(), False),
    "json": (None, lambda v: _quoted(_canonical_json(v)), False),
    "jsonb": (None, lambda v: _quoted(_canonical_json(v)), False),
    "numeric": (None, lambda v: str(Decimal(str(v)).normalize()), False),
    "real": (None, lambda v: repr(float(v)), False),
}
_OTHER_TYPE = (None, _text_part, False)  # any other type: its text, read back


def _halves(digest: bytes) -> tuple[int, int]:
    """The two signed 64-bit halves of a 16-byte digest (what SQL's ``::bit(64)::bigint`` reads)."""
    return (
        int.from_bytes(digest[:8], "big", signed=True),
        int.from_bytes(digest[8:], "big", signed=True),
    )


class _Table:
    """One table to move: its columns (target order), their conversions and texts."""

    def __init__(self, name: str, columns: list[tuple[str, str]]):
        self.name = name
        self.column_types = columns
        self.columns = [column for column, _type in columns]
        types = [_TYPES.get(t, _OTHER_TYPE) for _c, t in columns]
        self.convert = [(i, convert) for i, (convert, _p, _e) in enumerate(types) if convert]
        self.parts = [part for _c, part, _e in types]
        self.exact = all(exact for _c, _p, exact in types)

    def converted(self, row: tuple):
        """``row`` (from SQLite) with the values the target's types need converted."""
        if not self.convert:
            return row
        row = list(row)
        for i, convert in self.convert:
            if row[i] is not None:
                row[i] = convert(row[i])
        return row

    def row_text(self, row) -> str:
        """``row`` (converted, or typed as read back) in PostgreSQL's text of a row
        (``record_out``): ``(v1,v2,...)``, NULL empty, each value its type's part."""
        parts = ["" if v is None else part(v) for v, part in zip(row, self.parts, strict=True)]
        return "(" + ",".join(parts) + ")"

    def digest(self, row) -> tuple[int, int]:
        """The row's digest halves (see the module docstring, point 5): the MD5 of
        :meth:`row_text`."""
        return _halves(hashlib.md5(self.row_text(row).encode(), usedforsecurity=False).digest())

    def checksum_sql(self, quote) -> str | None:
        """The query of the target side's ``(rows, sum of first halves, sum of second halves)``
        computed by PostgreSQL from each row's text (``md5(t::text)``); None when a column's
        type is not written exactly as :meth:`digest` writes it."""
        if not self.exact:
            return None
        return (
            "SELECT count(*), "
            "COALESCE(sum(('x' || substr(h, 1, 16))::bit(64)::bigint), 0), "
            "COALESCE(sum(('x' || substr(h, 17, 16))::bit(64)::bigint), 0) "
            f"FROM (SELECT md5(t::text) AS h FROM {quote(self.name)} AS t) AS rows"
        )


# --- Source and target introspection -----------------------------------------------------


def _source_tables(source) -> dict[str, list[str]]:
    with source.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = {name: sql or "" for name, sql in cursor.fetchall()}
        result = {}
        for name, sql in tables.items():
            if "VIRTUAL TABLE" in sql.upper():
                continue
            cursor.execute(f"PRAGMA table_info({source.ops.quote_name(name)})")
            result[name] = [row[1] for row in cursor.fetchall()]
    return result


def _target_tables(target) -> dict[str, list[tuple[str, str]]]:
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
            "WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position"
        )
        tables: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in cursor.fetchall():
            tables.setdefault(table, []).append((column, data_type))
    return tables


def _tables_with_rows(target) -> list[str]:
    quote = target.ops.quote_name
    full = []
    with target.cursor() as cursor:
        for table in sorted(_target_tables(target)):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
            if cursor.fetchone()[0]:
                full.append(table)
    return full


def _user_triggers(target, tables: list[str]) -> list[tuple[str, str]]:
    """(name, tgenabled) of the non-internal triggers on ``tables``."""
    with target.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid IN (SELECT to_regclass(quote_ident(t)) FROM unnest(%s::text[]) AS t) "
            "ORDER BY tgname",
            [tables],
        )
        return [(name, str(enabled)) for name, enabled in cursor.fetchall()]


# --- The move ------------------------------------------------------------------------------


class _ToTarget:
    """A router sending every ORM read and write to the target (while ``migrate`` runs)."""

    def __init__(self, alias: str):
        self.alias = alias

    def db_for_read(self, model, **hints):
        return self.alias

    def db_for_write(self, model, **hints):
        return self.alias


@contextmanager
def _routed_to(alias: str):
    routers = router.routers  # a cached property: the list itself
    routers.insert(0, _ToTarget(alias))
    try:
        yield
    finally:
        routers.pop(0)


@contextmanager
def _read_only(source):
    """The source refuses every write while the move runs (``PRAGMA query_only``): code run by
    the target's migrations that reaches for Django's default connection fails the move instead
    of changing the install being moved."""
    source.ensure_connection()
    source.connection.execute("PRAGMA query_only = 1")
    try:
        yield
    finally:
        source.connection.execute("PRAGMA query_only = 0")


@contextmanager
def _source_snapshot(source):
    """One read transaction on the source (a consistent snapshot), unless the caller's."""
    if source.in_atomic_block:
        yield
        return
    source.ensure_connection()
    raw = source.connection
    raw.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        raw.execute("ROLLBACK")


def _check_source(source) -> None:
    if source.vendor != "sqlite":
        raise MoveError(
            f"the source database is {source.display_name}, not SQLite: move_database moves a "
            "SQLite install (unset DATABASE_URL to run it on the SQLite one)"
        )
    executor = MigrationExecutor(source)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise MoveError(
            f"the source has {len(plan)} unapplied migration(s): run manage.py migrate first"
        )


def move_database(
    url: str,
    *,
    force: bool = False,
    batch_size: int = BATCH_SIZE,
    source_alias: str = "default",
    alias: str = TARGET_ALIAS,
    progress: Callable[[str], None] = lambda line: None,
) -> MoveResult:
    """Move the SQLite database of ``source_alias`` into the PostgreSQL database of ``url``
    (see the module docstring); returns the verified :class:`MoveResult`. The target stays in
    Django's connections as ``alias``. Raises :class:`MoveError` (target unchanged)."""
    started = time.monotonic()
    source = connections[source_alias]
    _check_source(source)
    add_target_alias(url, alias)
    target = connections[alias]
    if not force:
        full = _tables_with_rows(target)
        if full:
            shown = ", ".join(full[:3]) + (", ..." if len(full) > 3 else "")
            raise MoveError(
                f"the target database is not empty ({len(full)} table(s) with rows: {shown}): "
                "use an empty database or --force to replace its contents"
            )
    result = MoveResult()
    try:
        with transaction.atomic(using=alias), _read_only(source), _source_snapshot(source):
            progress(f"migrating {masked(url)}")
            step = time.monotonic()
            with _routed_to(alias):
                call_command("migrate", database=alias, interactive=False, verbosity=0)
            progress(f"migrated in {time.monotonic() - step:.1f} s")
            tables = _plan(source, target, result)
            _copy_all(source, target, tables, batch_size, result, progress)
            _verify(result)
    except MoveError:
        raise
    except (DatabaseError, psycopg.Error) as exc:
        raise MoveError(f"the move failed and was rolled back: {_first_line(exc)}") from exc
    _clear_answer_caches()
    step = time.monotonic()
    with target.cursor() as cursor:
        cursor.execute("ANALYZE")
    progress(f"analyzed in {time.monotonic() - step:.1f} s")
    triggers = _user_triggers(target, [t.table for t in result.tables])
    result.triggers = [name for name, enabled in triggers if enabled != "D"]
    result.disabled_triggers = [name for name, enabled in triggers if enabled == "D"]
    result.seconds = time.monotonic() - started
    return result


def _clear_answer_caches() -> None:
    """Empty the caches of computed answers (``settings.CACHES`` ``stats``): they are keyed by
    the rollups' generation, which the move carries over, and must be computed again from the
    database the server will use, not served from the one it used."""
    if "stats" in settings.CACHES:
        caches["stats"].clear()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _plan(source, target, result: MoveResult) -> list[_Table]:
    source_tables = _source_tables(source)
    target_tables = _target_tables(target)
    tables = []
    for name in sorted(target_tables):
        if name in SKIPPED_TABLES or name not in source_tables:
            continue
        columns = target_tables[name]
        wanted = {c for c, _t in columns}
        have = set(source_tables[name])
        if wanted != have:
            raise MoveError(
                f"table {name} differs between the source and the migrated target "
                f"(only in the target: {sorted(wanted - have)}; only in the source: "
                f"{sorted(have - wanted)})"
            )
        tables.append(_Table(name, columns))
    result.left_behind = sorted(set(source_tables) - set(target_tables) - SKIPPED_TABLES)
    return tables


def _copy_all(source, target, tables, batch_size, result: MoveResult, progress) -> None:
    quote = target.ops.quote_name
    names = [t.name for t in tables]
    with target.cursor() as cursor:
        # The rows migrate wrote (content types, permissions, schedules) go: the source's
        # replace them. Their deferred FK checks must run first (TRUNCATE refuses pending ones).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if names:
            cursor.execute(f"TRUNCATE {', '.join(quote(n) for n in names)} RESTART IDENTITY")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        disabled = _triggers_off(cursor, target, names, result)
        indexes = _drop_secondary_indexes(cursor, target, names)
        raw = target.connection
        context = multiprocessing.get_context("spawn")  # no fork of this process's connections
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            digests = _Digests(pool)
            for table in tables:
                started = time.monotonic()
                try:
                    rows, checksum = _copy_table(source, raw, table, batch_size, quote, digests)
                except (DatabaseError, psycopg.Error, ValueError, TypeError, BrokenExecutor) as exc:
                    raise MoveError(
                        f"copying {table.name} failed, the move was rolled back: {_first_line(exc)}"
                    ) from exc
                result.tables.append(TableResult(table.name, rows, checksum))
                if rows:
                    progress(f"{table.name}: {rows} rows in {time.monotonic() - started:.1f} s")
        if disabled:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred FK checks, now
            for name in disabled:
                cursor.execute(f"ALTER TABLE {quote(name)} ENABLE TRIGGER USER")
        else:
            cursor.execute("SET LOCAL session_replication_role = origin")
        result.sequences = _align_sequences(cursor, names)
        if indexes:
            started = time.monotonic()
            _recreate_indexes(cursor, indexes)
            progress(f"{len(indexes)} indexes built in {time.monotonic() - started:.1f} s")
        result.indexes = len(indexes)
    progress("verifying")
    step = time.monotonic()
    with target.cursor() as cursor:  # the row text the digests reproduce
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        cursor.execute("SET LOCAL DateStyle = 'ISO, MDY'")
        cursor.execute("SET LOCAL extra_float_digits = 1")
    raw = target.connection
    for number, (entry, table) in enumerate(zip(result.tables, tables, strict=True)):
        name = f"move_verify_{number}"
        entry.target_rows, entry.target_checksum = _target_checksum(
            raw, table, quote, batch_size, name
        )
        entry.read_back = not table.exact
        if not entry.equal and not entry.read_back:
            # The typed values decide (a canonical-text corner of SQL must not fail a good move).
            entry.target_rows, entry.target_checksum = _read_back_checksum(
                raw, table, quote, batch_size, name
            )
            entry.read_back = True
    progress(f"verified in {time.monotonic() - step:.1f} s")


def _drop_secondary_indexes(cursor, target, names: list[str]) -> list[str]:
    """Drop the indexes of ``names`` that back no constraint (the ``db_index``, ``Meta.indexes``
    and search indexes ``migrate`` built); returns their definitions (``CREATE INDEX ...``) for
    :func:`_recreate_indexes`. Building an index once after the copy is several times faster
    than updating it row by row during ``COPY`` (PostgreSQL's advice for a bulk load). Primary
    keys and unique constraints stay: the foreign keys rely on them. An index something else
    depends on is kept (its drop is undone by a savepoint)."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "WHERE c.relname = ANY(%s::text[]) AND c.relnamespace = current_schema()::regnamespace "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY 1",
        [names],
    )
    dropped = []
    for name, definition in cursor.fetchall():
        try:
            with transaction.atomic(using=target.alias):
                cursor.execute(f"DROP INDEX {name}")
        except DatabaseError:
            continue
        dropped.append(definition)
    return dropped


def _recreate_indexes(cursor, definitions: list[str]) -> None:
    """Build again the indexes :func:`_drop_secondary_indexes` dropped, with more sort memory
    for this transaction only."""
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for definition in definitions:
        cursor.execute(definition)


def _triggers_off(cursor, target, names, result: MoveResult) -> list[str]:
    """Turn the target's triggers and FK checks off for the copy; returns the tables whose user
    triggers were disabled (the fallback), [] when session_replication_role did it."""
    try:
        with transaction.atomic(using=target.alias):
            cursor.execute("SET LOCAL session_replication_role = replica")
        result.trigger_method = "session_replication_role = replica"
        return []
    except DatabaseError:
        pass
    with_triggers = sorted({t for (t,) in _trigger_tables(cursor, names)})
    for name in with_triggers:
        cursor.execute(f"ALTER TABLE {target.ops.quote_name(name)} DISABLE TRIGGER USER")
    result.trigger_method = "ALTER TABLE ... DISABLE TRIGGER USER, FK checks deferred to commit"
    return with_triggers


def _trigger_tables(cursor, names):
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
        "WHERE NOT g.tgisinternal AND c.relname = ANY(%s::text[])",
        [names],
    )
    return cursor.fetchall()


def _copy_table(
    source, raw_target, table: _Table, batch_size: int, quote, digests: _Digests
) -> tuple[int, tuple[int, int]]:
    columns = ", ".join(quote(c) for c in table.columns)
    select = (
        f"SELECT rowid, {columns} FROM {quote(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    raw_source = source.connection
    rows = 0
    last = -(2**63)
    digests.start()
    with raw_target.cursor() as cursor:
        # FREEZE: the table was truncated in this transaction, its rows go in frozen (no hint
        # bits for the verification's read to write back).
        with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN (FREEZE)") as copy:
            while True:
                batch = raw_source.execute(select, (last, batch_size)).fetchall()
                if not batch:
                    break
                last = batch[-1][0]
                converted = [table.converted(record[1:]) for record in batch]
                for row in converted:
                    copy.write_row(row)
                digests.add(table, converted)
                rows += len(batch)
                if len(batch) < batch_size:
                    break
    return rows, digests.total()


class _Digests:
    """The source side's checksum of one table at a time, computed by a second process while
    this one reads, converts and copies (the digest is a third of the copy's work): batches of
    converted rows go to it, at most :data:`PENDING` at a time (memory stays flat)."""

    PENDING = 2

    def __init__(self, pool: ProcessPoolExecutor):
        self.pool = pool
        self.pending: deque = deque()
        self.first = self.second = 0

    def start(self) -> None:
        self.pending.clear()
        self.first = self.second = 0

    def add(self, table: _Table, rows: list) -> None:
        self.pending.append(self.pool.submit(_digest_rows, table.name, table.column_types, rows))
        while len(self.pending) > self.PENDING:
            self._collect(self.pending.popleft())

    def _collect(self, future) -> None:
        first, second = future.result()
        self.first += first
        self.second += second

    def total(self) -> tuple[int, int]:
        while self.pending:
            self._collect(self.pending.popleft())
        return self.first, self.second


_worker_tables: dict[str, _Table] = {}


def _digest_rows(name: str, column_types: list[tuple[str, str]], rows: list) -> tuple[int, int]:
    """In the digest process: the sums of the digest halves of converted ``rows``."""
    table = _worker_tables.get(name)
    if table is None or table.column_types != column_types:
        table = _worker_tables[name] = _Table(name, column_types)
    first = second = 0
    for row in rows:
        one, two = table.digest(row)
        first += one
        second += two
    return first, second


def _target_checksum(raw_target, table: _Table, quote, batch_size: int, name: str):
    """``(rows, checksum)`` of ``table`` on the target: by PostgreSQL when every column has a
    SQL canonical text, else read back (:func:`_read_back_checksum`)."""
    query = table.checksum_sql(quote)
    if query is None:
        return _read_back_checksum(raw_target, table, quote, batch_size, name)
    with raw_target.cursor() as cursor:
        cursor.execute(query)
        rows, first, second = cursor.fetchone()
    return rows, (int(first), int(second))


def _read_back_checksum(raw_target, table: _Table, quote, batch_size: int, name: str):
    """``(rows, checksum)`` of ``table`` read back from the target (a server-side cursor, one
    batch at a time) and digested in Python from the typed values, as the source was."""
    columns = ", ".join(quote(c) for c in table.columns)
    rows = first = second = 0
    with raw_target.cursor(name=name) as cursor:
        cursor.itersize = batch_size
        cursor.execute(f"SELECT {columns} FROM {quote(table.name)}")
        while batch := cursor.fetchmany(batch_size):
            for row in batch:
                one, two = table.digest(row)
                first += one
                second += two
            rows += len(batch)
    return rows, (first, second)


def _align_sequences(cursor, names: list[str]) -> int:
    """``setval`` every sequence owned by a column of ``names`` to the column's MAX (or 1, not
    called, on an empty table); returns how many."""
    cursor.execute(
        "SELECT c.relname, a.attname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
        "AND NOT a.attisdropped WHERE c.relname = ANY(%s::text[]) "
        "AND c.relnamespace = current_schema()::regnamespace "
        "AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL",
        [names],
    )
    owned = cursor.fetchall()
    for table, column, sequence in owned:
        cursor.execute(
            f'SELECT setval(%s, COALESCE((SELECT MAX("{column}") FROM "{table}"), 1), '
            f'(SELECT MAX("{column}") FROM "{table}") IS NOT NULL)',
            [sequence],
        )
    return len(owned)


def _verify(result: MoveResult) -> None:
    wrong = [t for t in result.tables if not t.equal]
    if wrong:
        first = wrong[0]
        raise MoveError(
            f"verification failed, the move was rolled back: {len(wrong)} table(s) differ, "
            f"first {first.table} (source {first.rows} rows, target {first.target_rows} rows"
            f"{', checksums differ' if first.rows == first.target_rows else ''})"
        )


def target_database_url(url: str) -> str:
    """The line the user sets next (the URL as given: the password is theirs)."""
    return f"DATABASE_URL={url}"


__all__ = [
    "BATCH_SIZE",
    "MoveError",
    "MoveResult",
    "TARGET_ALIAS",
    "add_target_alias",
    "masked",
    "move_database",
    "remove_alias",
]
