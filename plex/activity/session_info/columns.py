"""A session dict as the values of a :class:`servers.models.Session` row (what the monitor
stores, and what the history writer reads back)."""

from __future__ import annotations

import json

from django.db import models

from plex.activity.store import STATE_MACHINE_COLUMNS
from servers.models import Session

# Session columns the monitor keeps itself (the state machine's, less the player state PMS gives),
# plus the columns it fills from other sources than this dict: not taken from PMS.
BOOKKEEPING_COLUMNS = (STATE_MACHINE_COLUMNS - {"id", "server_id", "state"}) | {
    "rating_key_websocket",
    "raw_stream_info",
}


def session_columns(info: dict) -> dict:
    """The values of a :class:`servers.models.Session` row for the session dict ``info``.

    Every concrete column except the id and the monitor's bookkeeping
    (:data:`BOOKKEEPING_COLUMNS`), under the same name as in ``info``, coerced to the column's
    type: integer columns get an int or None (for "" and junk), text columns the text ("" kept,
    lists ``;``-joined); plus ``raw_stream_info``, the whole ``info`` as JSON (what the history
    writer reads back for the keys without a column).
    """
    columns = {}
    for field in Session._meta.concrete_fields:
        if field.primary_key or field.name in BOOKKEEPING_COLUMNS:
            continue
        columns[field.name] = _column_value(field, info.get(field.name))
    columns["raw_stream_info"] = json.dumps(info)
    return columns


def _column_value(field: models.Field, value):
    if isinstance(field, models.IntegerField):  # BigIntegerField too
        if value is None or value == "" or isinstance(value, (list, dict)):
            return None
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return None
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value)
