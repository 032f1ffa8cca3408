"""Migration 0007: the monitor's bookkeeping moves out of ``raw_stream_info`` into its columns."""

import importlib
import json

import pytest
from django.apps import apps
from django.db import connection
from model_bakery import baker

from servers.models import Server, Session

pytestmark = pytest.mark.django_db

migration = importlib.import_module("servers.migrations.0007_session_state_and_bookkeeping")


def raw(session: Session) -> dict:
    session.refresh_from_db()
    return json.loads(session.raw_stream_info)


def test_the_bookkeeping_keys_move_to_their_columns_and_back():
    server = baker.make(Server)
    pms_info = {"session_key": "7", "markers": [{"type": "intro"}], "bandwidth": "8000"}
    refreshed = baker.make(
        Session,
        server=server,
        state="playing",
        raw_stream_info=json.dumps({**pms_info, "_refreshed_at": 1_795_000_061}),
    )
    pending = baker.make(
        Session,
        server=server,
        state="stopped",
        write_attempts=2,
        raw_stream_info=json.dumps({"session_key": "8", "_last_write_attempt": 1_795_000_630}),
    )
    untouched = [
        baker.make(Session, server=server, raw_stream_info=json.dumps(pms_info)),
        baker.make(Session, server=server, raw_stream_info="not json"),
        baker.make(Session, server=server, raw_stream_info=None),
    ]

    migration.move_out_of_json(apps, connection.schema_editor())

    refreshed.refresh_from_db()
    assert (refreshed.refreshed_at, refreshed.last_write_attempt) == (1_795_000_061, None)
    assert raw(refreshed) == pms_info
    pending.refresh_from_db()
    assert (pending.refreshed_at, pending.last_write_attempt) == (None, 1_795_000_630)
    assert raw(pending) == {"session_key": "8"}
    assert [s.raw_stream_info for s in untouched] == [
        Session.objects.get(pk=s.pk).raw_stream_info for s in untouched
    ]

    migration.move_back_into_json(apps, connection.schema_editor())

    assert raw(refreshed) == {**pms_info, "_refreshed_at": 1_795_000_061}
    assert raw(pending) == {"session_key": "8", "_last_write_attempt": 1_795_000_630}
