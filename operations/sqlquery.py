"""``/api/v2 sql``: one read-only SELECT on a read-only connection, or a clear refusal.

Off unless ``API_SQL_ENABLED`` (Tautulli's ``api_sql``, off by default). When on, a query runs
only if every layer agrees:

1. it is one statement (sqlparse) and a ``SELECT`` (``WITH ... SELECT`` included): no ``;``
   chains, no ``PRAGMA``, ``ATTACH``, ``INSERT``...;
2. it names no table that holds secrets (:func:`secret_tables`: every model with a token,
   password, key, secret or config column, the sessions, django-q2's task payloads) and calls
   no function that reads files, runs SQL given as text or changes settings
   (:data:`FORBIDDEN_FUNCTIONS`): the API never answers a secret;
3. it runs on a read-only connection of its own: SQLite opened with ``mode=ro`` and
   ``PRAGMA query_only``, PostgreSQL in a ``READ ONLY`` transaction rolled back afterwards;
4. at most ``API_SQL_MAX_ROWS`` rows come back, and it is stopped after ``API_SQL_TIMEOUT``
   seconds (SQLite: a progress handler; PostgreSQL: ``statement_timeout``).

Layer 2 is a best effort over the query's text; layers 1 and 3 alone guarantee nothing is
written. Rows are answered as Tautulli's ``sql``: a list of ``{column: value}``.
"""

from __future__ import annotations

import re
import sqlite3
import time

import sqlparse
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections

from core.errors import InvalidInput

_SECRET_COLUMN = re.compile(r"token|password|secret|api_?key|^key$|^config$|session_data")
ALWAYS_SECRET = ("django_session", "django_q_task", "django_q_ormq", "django_q_schedule")
FORBIDDEN_FUNCTIONS = re.compile(
    r"\b(query_to_xml\w*|cursor_to_xml\w*|table_to_xml\w*|schema_to_xml\w*|database_to_xml\w*"
    r"|dblink\w*|pg_read_\w+|pg_ls_\w+|pg_stat_file|pg_file_\w+|lo_\w+|current_setting"
    r"|set_config|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_sleep\w*"
    r"|load_extension|readfile|writefile|fts3_tokenizer)\s*\(",
    re.IGNORECASE,
)


def secret_tables() -> set[str]:
    """The tables a query may not name (lower case)."""
    tables = set(ALWAYS_SECRET)
    for model in apps.get_models():
        if any(_SECRET_COLUMN.search(field.column or "") for field in model._meta.concrete_fields):
            tables.add(model._meta.db_table.lower())
    return tables


def check_query(query: str) -> str:
    """``query`` stripped of a trailing ``;``, or :class:`InvalidInput` saying why it is
    refused."""
    query = (query or "").strip()
    if not query:
        raise InvalidInput("No SQL query provided.")
    statements = [s for s in sqlparse.parse(query) if s.value.strip().strip(";").strip()]
    if len(statements) != 1:
        raise InvalidInput("Only one statement is allowed.")
    statement = statements[0]
    if statement.get_type() != "SELECT":
        raise InvalidInput("Only a read-only SELECT is allowed.")
    text = statement.value.strip().rstrip(";").strip()
    lowered = text.lower()
    if re.search(r"\bu&['\"]", lowered):
        raise InvalidInput("Escaped identifiers are not allowed.")
    named = sorted(t for t in secret_tables() if re.search(rf"\b{re.escape(t)}\b", lowered))
    if named:
        raise InvalidInput(f"The table {named[0]} holds secrets and cannot be queried.")
    function = FORBIDDEN_FUNCTIONS.search(text)
    if function:
        raise InvalidInput(f"The function {function.group(1)} is not allowed.")
    return text


def run_query(query: str) -> list[dict]:
    """The rows of ``query`` (see the module doc); :class:`InvalidInput` when refused or when
    the database rejects it (its message, one line)."""
    if not settings.API_SQL_ENABLED:
        raise InvalidInput("SQL not enabled for the API.")
    text = check_query(query)
    limit, timeout = settings.API_SQL_MAX_ROWS, settings.API_SQL_TIMEOUT
    if connection.vendor == "sqlite":
        return _run_sqlite(text, limit, timeout)
    if connection.vendor == "postgresql":
        return _run_postgresql(text, limit, timeout)
    raise InvalidInput(f"sql is not available on {connection.vendor}.")


def _value(value):
    """A column value JSON can carry: bytes as hex."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _rows(cursor, limit: int) -> list[dict]:
    columns = [column[0] for column in cursor.description or ()]
    return [
        {column: _value(value) for column, value in zip(columns, row, strict=False)}
        for row in cursor.fetchmany(limit)
    ]


def _one_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _run_sqlite(text: str, limit: int, timeout: int) -> list[dict]:
    path = connection.settings_dict["NAME"]
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
    try:
        database.execute("PRAGMA query_only = ON")
        deadline = time.monotonic() + timeout
        database.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        cursor = database.execute(text)
        return _rows(cursor, limit)
    except sqlite3.Error as exc:
        raise InvalidInput(f"SQL error: {_one_line(exc)}") from None
    finally:
        database.close()


def _run_postgresql(text: str, limit: int, timeout: int) -> list[dict]:
    own = connections.create_connection("default")
    try:
        own.set_autocommit(False)
        with own.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute(f"SET LOCAL statement_timeout = {int(timeout) * 1000}")
            cursor.execute(text)
            return _rows(cursor, limit)
    except DatabaseError as exc:
        raise InvalidInput(f"SQL error: {_one_line(exc)}") from None
    finally:
        try:
            own.rollback()
        except DatabaseError:
            pass
        own.close()
