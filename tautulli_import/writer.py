"""Bulk writes into our database, bypassing model instances (3 million history rows must be fast).

* PostgreSQL: psycopg 3's ``COPY table (columns) FROM STDIN`` (text format: the source query
  already produced the text forms of datetimes, booleans and JSON, see ``sql.py``): one COPY
  for a whole table on a first load (:meth:`Writer.stream`), one per batch otherwise.
* SQLite: ``executemany`` of one INSERT per batch.
* Dry run: the same reads (which rows already exist), no writes.

Large first loads go through :meth:`Writer.bulk_load`, which rebuilds the table's secondary
indexes (and on PostgreSQL its foreign keys) once after the load.

Rows are inserted as given; the importer removes the ones already present first, so no
``ON CONFLICT`` is needed and a real conflict still fails loudly (and rolls everything back).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class Writer:
    """Reads and writes on Django's default connection, inside the caller's transaction."""

    dry_run = False

    def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        raise NotImplementedError

    @contextmanager
    def stream(self, table: str, columns: list[str]) -> Iterator:
        """A ``sink(rows)`` callable for many batches into one table, with no reads in between
        (PostgreSQL: one COPY for the whole table, so the server works while we read)."""
        yield lambda rows: self.insert(table, columns, rows)

    def existing_ids(self, table: str, column: str, low: int, high: int) -> set[int]:
        """Ids in ``[low, high]`` already in ``table``."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_q(column)} FROM {_q(table)} WHERE {_q(column)} BETWEEN %s AND %s",
                [low, high],
            )
            return {row[0] for row in cursor.fetchall()}

    def existing_keys(
        self, table: str, columns: tuple[str, ...], where: dict | None = None
    ) -> set[tuple]:
        """Every ``columns`` tuple of ``table`` (optionally filtered by equal ``where`` values)."""
        sql = f"SELECT {', '.join(_q(c) for c in columns)} FROM {_q(table)}"
        params = []
        if where:
            sql += " WHERE " + " AND ".join(f"{_q(c)} = %s" for c in where)
            params = list(where.values())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {tuple(row) for row in cursor.fetchall()}

    def ids_in_use(self, table: str, column: str, low: int, high: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {_q(table)} WHERE {_q(column)} BETWEEN %s AND %s LIMIT 1",
                [low, high],
            )
            return cursor.fetchone() is not None

    def highest_id(self, table: str, column: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({_q(column)}) FROM {_q(table)}")
            row = cursor.fetchone()
            return int(row[0] or 0)

    @contextmanager
    def bulk_load(self, table: str, paused_triggers: str | None = None) -> Iterator[None]:
        """A large first load into ``table``: secondary indexes (and on PostgreSQL foreign keys)
        rebuilt once at the end; triggers whose name matches the LIKE pattern
        ``paused_triggers`` do not fire during the load (the caller recomputes what they
        maintain). A no-op for a dry run."""
        yield

    def reset_sequences(self, models) -> None:
        """After explicit ids: move PostgreSQL's sequences past them (SQLite's AUTOINCREMENT
        follows by itself)."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(models))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


class PostgresWriter(Writer):
    def insert(self, table, columns, rows):
        if rows:
            with self.stream(table, columns) as sink:
                sink(rows)

    @contextmanager
    def stream(self, table, columns):
        sql = f"COPY {_q(table)} ({', '.join(_q(c) for c in columns)}) FROM STDIN"
        with connection.cursor() as cursor:
            with cursor.cursor.copy(sql) as copy:
                write = copy.write_row

                def sink(rows):
                    for row in rows:
                        write(row)

                yield sink

    @contextmanager
    def bulk_load(self, table, paused_triggers=None):
        """Load ``table`` the way PostgreSQL loads fastest: without its foreign keys and
        secondary indexes during the COPY, re-created afterwards with their exact definitions
        (``pg_get_constraintdef``/``pg_get_indexdef``). Building an index once (sorted, with
        parallel workers) costs far less than updating it row by row, and a foreign key then is
        validated by one join instead of a deferred trigger per row and key (4 million checks at
        commit for 1 million history rows). Primary keys and unique indexes stay, so duplicates
        still fail at once. Everything happens inside the import's transaction: a failure
        restores the table as it was. The price: the table is locked (ACCESS EXCLUSIVE) until
        the import commits, so this is used only for large first loads. The table is ANALYZEd
        at the end. Triggers named like ``paused_triggers`` are disabled during the load (for
        this transaction: other sessions wait on the table lock anyway).
        """
        with connection.cursor() as cursor:
            # Run the checks already queued, so no table we alter has pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT indisunique "
                "AND indexrelid NOT IN (SELECT conindid FROM pg_constraint) ORDER BY 1",
                [table],
            )
            indexes = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            triggers = []
            if paused_triggers:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                    "AND NOT tgisinternal AND tgenabled != 'D' AND tgname LIKE %s ORDER BY 1",
                    [table, paused_triggers],
                )
                triggers = [row[0] for row in cursor.fetchall()]
            for name in triggers:
                cursor.execute(f"ALTER TABLE {_q(table)} DISABLE TRIGGER {_q(name)}")
        yield
        with connection.cursor() as cursor:
            for name in triggers:
                cursor.execute(f"ALTER TABLE {_q(table)} ENABLE TRIGGER {_q(name)}")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
            # Statistics now, so the next queries (the history groups rebuild, the first API
            # calls) are planned for a million rows rather than for an empty table.
            cursor.execute(f"ANALYZE {_q(table)}")


class SQLiteWriter(Writer):
    @contextmanager
    def bulk_load(self, table, paused_triggers=None):
        """Load ``table`` without its secondary (non-unique) indexes, re-created afterwards from
        their exact SQL in ``sqlite_master``: one sorted build per index instead of a B-tree
        insert per row and index. Triggers named like ``paused_triggers`` are dropped during
        the load and re-created from their SQL too (SQLite cannot disable a trigger). Inside
        the import's transaction, like everything else."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s "
                "AND ((type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%') "
                "OR (type = 'trigger' AND name LIKE %s)) ORDER BY type, name",
                [table, paused_triggers or ""],
            )
            objects = cursor.fetchall()
            for kind, name, _ in objects:
                cursor.execute(f"DROP {kind.upper()} {_q(name)}")
        yield
        with connection.cursor() as cursor:
            for _, _, sql in objects:
                cursor.execute(sql)

    def insert(self, table, columns, rows):
        if not rows:
            return
        sql = (
            f"INSERT INTO {_q(table)} ({', '.join(_q(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


class DryRunWriter(Writer):
    """Answers the same questions about existing rows and writes nothing."""

    dry_run = True

    def insert(self, table, columns, rows):
        return None

    def reset_sequences(self, models):
        return None


def writer_for_connection(dry_run: bool = False) -> Writer:
    if dry_run:
        return DryRunWriter()
    if connection.vendor == "postgresql":
        return PostgresWriter()
    return SQLiteWriter()
