"""The database triggers that queue changed plays for :mod:`history.grouping`.

On each of the three history tables (``History``, ``HistoryMetadata``, ``HistoryMediaInfo``), one
trigger per event (insert, update, delete) puts the key of every play whose rows changed —
``COALESCE(reference_id, id)`` of the History row — into ``HistoryGroupDirty``, so that
``sync_groups()`` recomputes those plays whoever wrote the rows (ORM, COPY, raw SQL). Nine
triggers, named ``<table>_group_dirty_<event>`` (:func:`trigger_names`):

* PostgreSQL: statement-level, over the statement's transition tables, through two plpgsql
  functions. An already queued key is updated (not ignored), which locks it until the writer
  commits, so that sync_groups' ``DELETE … RETURNING`` takes it only once the change is visible.
* SQLite: row-level; it has one writer at a time, so ``INSERT OR IGNORE`` is enough. SQLite drops
  a table's triggers when a migration rebuilds the table (``ALTER`` it cannot do in place): such
  a migration calls :func:`install_triggers` again (``0002_history_groups`` calls it first).

:func:`install_triggers` is idempotent: it (re)creates all nine as defined here, whatever is
there. :func:`missing_triggers` lists those absent (or, on PostgreSQL, disabled): the system
check ``history.E001`` (:mod:`history.checks`) reports them. The tables are named as in the
database, not read from the models, so that migrations get the same SQL whatever the models
become. The Tautulli importer pauses the triggers matching :data:`TRIGGER_NAME_PATTERN` during a
bulk load and rebuilds every play afterwards.
"""

from __future__ import annotations

DIRTY = "history_historygroupdirty"
HISTORY = "history_history"
SIDE_TABLES = (
    "history_historymetadata",
    "history_historymediainfo",
)  # primary key "id" = History.id
TABLES = (HISTORY, *SIDE_TABLES)
EVENTS = ("insert", "update", "delete")
# A LIKE pattern matching every trigger of this module (and, on these tables, nothing else).
TRIGGER_NAME_PATTERN = "%_group_dirty_%"

_POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION history_group_dirty_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {DIRTY} (reference_id)
        SELECT DISTINCT COALESCE(reference_id, id) FROM new_rows
        ON CONFLICT (reference_id) DO UPDATE SET reference_id = EXCLUDED.reference_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO {DIRTY} (reference_id)
        SELECT DISTINCT COALESCE(reference_id, id) FROM old_rows
        ON CONFLICT (reference_id) DO UPDATE SET reference_id = EXCLUDED.reference_id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION history_group_dirty_side() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {DIRTY} (reference_id)
        SELECT DISTINCT COALESCE(h.reference_id, h.id)
        FROM new_rows n JOIN {HISTORY} h ON h.id = n.id
        ON CONFLICT (reference_id) DO UPDATE SET reference_id = EXCLUDED.reference_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO {DIRTY} (reference_id)
        SELECT DISTINCT COALESCE(h.reference_id, h.id)
        FROM old_rows o JOIN {HISTORY} h ON h.id = o.id
        ON CONFLICT (reference_id) DO UPDATE SET reference_id = EXCLUDED.reference_id;
    END IF;
    RETURN NULL;
END $$;
"""

_POSTGRES_REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}
_SQLITE_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def trigger_name(table: str, event: str) -> str:
    return f"{table}_group_dirty_{event}"


def trigger_names() -> list[str]:
    """The nine triggers' names, table by table (History first), then insert, update, delete."""
    return [trigger_name(table, event) for table in TABLES for event in EVENTS]


def _postgres_statements() -> list[str]:
    statements = [_POSTGRES_FUNCTIONS]
    for table in TABLES:
        function = "history_group_dirty_rows" if table == HISTORY else "history_group_dirty_side"
        for event in EVENTS:
            name = trigger_name(table, event)
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"{_POSTGRES_REFERENCING[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    return statements


def _sqlite_statements() -> list[str]:
    def key_of(row: str) -> str:
        return (
            f"INSERT OR IGNORE INTO {DIRTY} (reference_id) "
            f"VALUES (COALESCE({row}.reference_id, {row}.id));"
        )

    def side_key_of(row: str) -> str:
        return (
            f"INSERT OR IGNORE INTO {DIRTY} (reference_id) "
            f"SELECT COALESCE(reference_id, id) FROM {HISTORY} WHERE id = {row}.id;"
        )

    statements = []
    for table in TABLES:
        key = key_of if table == HISTORY else side_key_of
        for event in EVENTS:
            name = trigger_name(table, event)
            body = " ".join(key(row) for row in _SQLITE_ROWS[event])
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
    return statements


def install_triggers(connection) -> None:
    """(Re)create the nine triggers (and on PostgreSQL their functions) on ``connection``'s
    database, as defined here: idempotent, whatever is there (missing, disabled, older).

    Run it inside the caller's transaction (a migration's, ``transaction.atomic``): a trigger is
    dropped and created again, so no write in between goes unqueued.
    """
    if connection.vendor == "postgresql":
        statements = _postgres_statements()
    elif connection.vendor == "sqlite":
        statements = _sqlite_statements()
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(f"history group triggers are not written for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def missing_triggers(connection) -> list[str]:
    """The names (of :func:`trigger_names`) of the triggers absent from ``connection``'s database
    — or, on PostgreSQL, present but disabled — in :func:`trigger_names`' order; ``[]`` when all
    nine are in force."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled != 'D' "
                "AND tgrelid IN (SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)",
                [list(TABLES)],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s, %s)",
                list(TABLES),
            )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in trigger_names() if name not in present]


def queue_every_play(connection) -> None:
    """Queue the key of every play in ``HistoryGroupDirty`` (keys already queued stay), so that
    the next ``sync_groups()`` recomputes every play: after the triggers were missing, nothing
    tells which plays changed meanwhile."""
    with connection.cursor() as cursor:
        # "WHERE true": SQLite would read "ON CONFLICT" after a bare FROM as a join constraint.
        cursor.execute(
            f"INSERT INTO {DIRTY} (reference_id) "
            f"SELECT DISTINCT COALESCE(reference_id, id) FROM {HISTORY} WHERE true "
            "ON CONFLICT (reference_id) DO NOTHING"
        )


def remove_triggers(connection) -> None:
    """Drop the nine triggers (and on PostgreSQL their functions): the reverse of
    :func:`install_triggers`, for migrating backwards."""
    with connection.cursor() as cursor:
        for table in TABLES:
            for event in EVENTS:
                on_table = f" ON {table}" if connection.vendor == "postgresql" else ""
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}{on_table}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS history_group_dirty_rows()")
            cursor.execute("DROP FUNCTION IF EXISTS history_group_dirty_side()")
