"""SQLite expressions that convert Tautulli's stored values into what our columns hold.

The conversions run inside the source query, in SQLite's C code, so the rows come out of
``fetchmany`` ready to insert and Python touches no value (that is what makes a 3-million-row
import fast). Each expression is the SQL twin of a Python rule:

* ``int_sql``: INTEGER columns. Tautulli stores ``''`` in some of them (movies'
  ``parent_rating_key``, ``media_index``...): ``''``, other non-numeric text and NULL → NULL;
  numeric text → its integer; a REAL → truncated.
* ``bool_sql``: 0/1 ints → 0/1 (NULL stays NULL; any non-zero number is true). Both SQLite (0/1)
  and PostgreSQL (``'1'``/``'0'`` in COPY text format) store these as booleans.
* ``datetime_sql``: epoch seconds → the text Django stores for an aware UTC datetime, i.e.
  ``core.timeutils.from_epoch`` (``'YYYY-MM-DD HH:MM:SS'`` naive UTC on SQLite, ``...+00`` on
  PostgreSQL); NULL, ``''`` and junk → NULL.
* ``json_sql``: JSON text kept as is when valid; NULL/blank → the field's default; text that is
  not JSON is kept as a JSON string (never lost).
"""

from __future__ import annotations

import json


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQLite identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    """A Python value as an SQLite literal (None, bool, int, float, str, dict/list as JSON)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def int_sql(expr: str) -> str:
    """INTEGER value of ``expr``; ``''``/non-numeric text/NULL → NULL (see module doc)."""
    return (
        f"(CASE typeof({expr}) WHEN 'integer' THEN {expr} "
        f"WHEN 'real' THEN CAST({expr} AS INTEGER) "
        f"WHEN 'text' THEN (CASE WHEN CAST(CAST({expr} AS INTEGER) AS TEXT) = trim({expr}) "
        f"THEN CAST({expr} AS INTEGER) END) END)"
    )


def bool_sql(expr: str) -> str:
    """1/0 for a Tautulli 0/1 flag, NULL for NULL or junk."""
    return f"({int_sql(expr)} != 0)"


def datetime_sql(expr: str, vendor: str) -> str:
    """Epoch seconds → Django's stored text of the aware UTC datetime (``from_epoch``)."""
    text = f"strftime('%Y-%m-%d %H:%M:%S', {expr}, 'unixepoch')"
    return f"({text} || '+00')" if vendor == "postgresql" else text


def json_sql(expr: str, default: str) -> str:
    """Valid JSON text kept; NULL/blank → ``default`` (an SQL literal); other text → JSON string."""
    return (
        f"(CASE WHEN {expr} IS NULL OR trim({expr}) = '' THEN {default} "
        f"WHEN json_valid({expr}) THEN CAST({expr} AS TEXT) ELSE json_quote({expr}) END)"
    )


def coalesce(expr: str, default: str) -> str:
    return expr if default == "NULL" else f"COALESCE({expr}, {default})"
