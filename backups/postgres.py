"""PostgreSQL backups with the client tools: ``pg_dump --format=custom`` and ``pg_restore``.

Consistency and counts: one connection opens a ``REPEATABLE READ`` read-only transaction,
exports its snapshot (``pg_export_snapshot()``), counts every table of the schema in it, and
``pg_dump --snapshot`` dumps that very snapshot: the recorded counts are the source's at the
time of the copy, row for row what the dump holds.

Connection parameters come from the Django database settings (``NAME``, ``USER``, ``HOST``,
``PORT``, ``OPTIONS["sslmode"]``); the password is passed to the tools only in the ``PGPASSWORD``
environment variable, never on a command line, and no command line is logged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

# Tables counted: the schema's ordinary and partitioned tables.
TABLES_SQL = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
)


class ToolMissing(RuntimeError):
    """pg_dump / pg_restore is not installed."""


def tool(name: str) -> str:
    """The path of a PostgreSQL client tool; raises :class:`ToolMissing` with how to fix it."""
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(apt-get install postgresql-client)"
        )
    return path


def connection_params(settings_dict: dict, dbname: str | None = None) -> dict:
    """psycopg keyword arguments for a Django database settings dict (``dbname`` replaces its
    NAME)."""
    params = {
        "dbname": dbname or settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": str(settings_dict.get("PORT") or "") or None,
        "sslmode": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    return {key: value for key, value in params.items() if value is not None}


def tool_env(settings_dict: dict, dbname: str | None = None) -> dict:
    """The environment of a client tool: the connection as ``PG*`` variables, the password in
    ``PGPASSWORD`` (so that neither a command line nor ``ps`` shows it)."""
    params = connection_params(settings_dict, dbname)
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
        "sslmode": "PGSSLMODE",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[key]: value for key, value in params.items()})
    return env


def run_tool(args: list[str], settings_dict: dict, dbname: str | None = None) -> None:
    """Run a client tool; raises RuntimeError with its last error lines when it fails."""
    done = subprocess.run(
        args,
        env=tool_env(settings_dict, dbname),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()][-3:]
        raise RuntimeError(f"{Path(args[0]).name} failed: " + " | ".join(lines))


def table_counts(connection) -> dict[str, int]:
    """``{table: row count}`` of every table of the current schema, in one transaction."""
    names = [row[0] for row in connection.execute(TABLES_SQL)]
    return {
        name: connection.execute(
            sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(name))
        ).fetchone()[0]
        for name in names
    }


def backup(settings_dict: dict, destination: Path) -> dict[str, int]:
    """Dump the database into ``destination`` (custom format); returns the row counts of the
    dumped snapshot."""
    pg_dump = tool("pg_dump")
    with psycopg.connect(**connection_params(settings_dict)) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = table_counts(connection)
        run_tool(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={destination}",
            ],
            settings_dict,
        )
        connection.rollback()
    return counts


def after_scratch_restore(params: dict) -> None:
    """Called with the scratch database's connection parameters after the restore, before it
    is counted (tests damage the copy here)."""


def scratch_name(name: str, number: int) -> str:
    """``<name>_verify_<number>``, within PostgreSQL's 63 bytes."""
    suffix = f"_verify_{number}"
    return name[: 63 - len(suffix)] + suffix


def _admin_connection(settings_dict: dict):
    """An autocommit connection to the server's maintenance database (CREATE/DROP DATABASE)."""
    return psycopg.connect(**connection_params(settings_dict, "postgres"), autocommit=True)


def verify(dump: Path, settings_dict: dict, number: int) -> tuple[str, dict[str, int] | None]:
    """Restore ``dump`` into a scratch database ``<name>_verify_<number>`` and count its tables;
    the scratch database is dropped afterwards. ``(integrity, counts)``: ``integrity`` is ``"ok"``
    when pg_restore succeeded, else its error; ``counts`` None when nothing could be counted."""
    pg_restore = tool("pg_restore")
    scratch = scratch_name(settings_dict["NAME"], number)
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
    with _admin_connection(settings_dict) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        try:
            run_tool(
                [
                    pg_restore,
                    "--exit-on-error",
                    "--no-owner",
                    "--no-privileges",
                    f"--dbname={scratch}",
                    str(dump),
                ],
                settings_dict,
                scratch,
            )
            integrity = "ok"
        except RuntimeError as exc:
            integrity = str(exc)
        params = connection_params(settings_dict, scratch)
        after_scratch_restore(params)
        with psycopg.connect(**params) as connection:
            counts = table_counts(connection)
    finally:
        with _admin_connection(settings_dict) as admin:
            admin.execute(drop)
    return integrity, counts


def restore(dump: Path, settings_dict: dict) -> None:
    """Restore ``dump`` into the configured database, in one transaction
    (``pg_restore --clean --if-exists --single-transaction``): all or nothing."""
    run_tool(
        [
            tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={settings_dict['NAME']}",
            str(dump),
        ],
        settings_dict,
    )
