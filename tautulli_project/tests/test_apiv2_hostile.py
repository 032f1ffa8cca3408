"""/api/v2 under hostile input: every registered command, driven by hypothesis.

For each command of :data:`core.tautulli_api.registry.COMMANDS` (a new command is covered the day
it is registered), hypothesis sends the parameters the command reads (found by recording which
keys it asks :class:`~core.tautulli_api.Params` for) with hostile values (integers beyond 64 bits,
unicode digits, NUL and control characters, SQL fragments, dates outside any calendar, JSON
garbage...) plus random extra parameters, by GET or form POST, as JSON or XML. Whatever it sends:

* the answer is never a 5xx;
* the body is Tautulli's envelope, well-formed JSON (or XML when ``out_type=xml``);
* a read command changes no row of the database, and a refused request (an error envelope)
  changes nothing either, whatever the command.

Reproducible in CI: ``derandomize=True`` (the examples are a function of the test), 8 examples
per command (about 500 requests, some ten seconds on SQLite or PostgreSQL). For a deeper search
run it once with more examples and ``derandomize=False`` (60 per command found nothing more).
"""

import hashlib
import json
import re
from xml.etree import ElementTree

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.tautulli_api.registry import COMMANDS
from history.models import History, HistoryMediaInfo, HistoryMetadata
from libraries.models import Library
from servers.models import Server
from tautulli_project.tests.conftest import EXTRA_NAMES
from users.models import User

pytestmark = pytest.mark.django_db

# Commands allowed to change rows when they succeed (a refused request must change nothing). Any
# other command, a new one included, is held to changing nothing at all.
WRITE_COMMANDS = {
    "delete_history",
    "delete_temp_sessions",
    "delete_user",
    "undelete_user",
    "edit_user",
    "edit_library",
    "refresh_libraries_list",
    "refresh_users_list",
    "terminate_session",
    "add_notifier_config",
    "set_notifier_config",
    "delete_notifier",
    "notify",
    "notify_recently_added",
    "delete_notification_log",
    "register_device",
    "set_mobile_device_config",
    "delete_mobile_device",
    "add_newsletter_config",
    "set_newsletter_config",
    "delete_newsletter",
    "delete_newsletter_log",
    "notify_newsletter",
    "delete_synced_item",
    "regroup_history",
    "delete_all_user_history",
    "delete_all_library_history",
    "delete_recently_added",
    "delete_library",
    "undelete_library",
    "update_metadata_details",
    "logout_user_session",
    "delete_login_log",
    "import_database",
    "import_config",
    "export_metadata",
    "delete_export",
    "delete_cache",
    "delete_image_cache",
    "delete_lookup_info",
    "restart",
    "update",
    "backup_db",
    "backup_config",
}
# Tables whose rows are bookkeeping, not data a request must leave alone: django-q's queue and
# the admin's sessions.
UNWATCHED_APPS = {"django_q", "sessions", "admin", "contenttypes", "auth"}

# Tables whose rows the seed fills, compared value by value (the others by their row count).
SEEDED_MODELS = [Server, User, Library, History, HistoryMetadata, HistoryMediaInfo]

INTEGERS = [
    "0",
    "-1",
    "-0",
    "+5",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    "9" * 40,
    "9" * 5000,
    "1e3",
    "1.5",
    "0x10",
    "1_000",
    " 7 ",
    "²",
    "٣",
    "１",
    "2932897",
    "99999999",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "1970-01-01",
    "1969-12-31",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "2026-11-22T10:00",
    "20261122",
    "2026-11-22,0001-01-01",
]
TEXTS = [
    "",
    " ",
    ",",
    ",,1,,",
    "1,abc",
    "\x00",
    "a\x00b",
    "\x01\x08\x0b\x1f",
    "\ufffe\uffff",
    "' OR 1=1 --",
    "1; DROP TABLE users; --",
    "%",
    "_",
    "\\",
    "null",
    "None",
    "true",
    "<x>&amp;</x>",
    "x" * 5_000,
    "server",
    "²",
]
JSON_GARBAGE = [
    "{",
    "[]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "[" * 5_000,
    "NaN",
    '{"start": 1e400}',
    '{"start": Infinity}',
    '{"start": NaN}',
    '{"start": 18446744073709551616, "length": 5}',
    '{"start": -18446744073709551616}',
    '{"length": 18446744073709551616}',
    '{"draw": 18446744073709551616}',
    '{"start": "abc"}',
    '{"start": "²"}',
    '{"order": [{"column": 99999999999999999999}]}',
    '{"order": [{"column": -1, "dir": "sideways"}], "columns": [{"data": []}]}',
    '{"columns": 5, "order": 3}',
    '{"search": {"value": "\\u0000"}}',
    '{"search": []}',
]


def hostile_value():
    return st.one_of(
        st.sampled_from(INTEGERS),
        st.sampled_from(DATES),
        st.sampled_from(TEXTS),
        st.sampled_from(JSON_GARBAGE),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.text(max_size=30),
    )


def database_fingerprint() -> dict[str, object]:
    """The row count of every watched table (one query), and the rows of the seeded tables
    hashed, where an UPDATE would show (``{db_table: count or sha1}``)."""
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label not in UNWATCHED_APPS and model._meta.managed
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in tables
            )
        )
        fingerprint = dict(cursor.fetchall())
    for model in SEEDED_MODELS:
        rows = repr(list(model._base_manager.order_by("pk").values_list()))
        fingerprint[f"{model._meta.db_table} rows"] = hashlib.sha1(rows.encode()).hexdigest()
    return fingerprint


# --- the answer is an envelope ------------------------------------------------------------------


def assert_envelope(response, out_type: str):
    """The body is Tautulli's envelope: JSON, or XML when ``out_type`` asks for it."""
    body = response.content.decode("utf-8")
    if out_type.strip().lower() == "xml" and response["Content-Type"].startswith("application/xml"):
        root = ElementTree.fromstring(body)  # raises on ill-formed XML
        assert root.tag == "response" and root.find("result") is not None, body[:300]
        assert root.find("result").text in {"success", "error"}
        return root.find("result").text
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    envelope = json.loads(body)["response"]
    assert list(envelope) == ["result", "message", "data"], body[:300]
    assert envelope["result"] in {"success", "error"}
    return envelope["result"]


@pytest.fixture(autouse=True)
def _plex_tv_on_a_closed_port(settings):
    """Commands that ask plex.tv (server list, synced items) meet a refused connection: the
    test never leaves the machine."""
    settings.PLEX_TV_URL = "http://127.0.0.1:9"


def send(client, method: str, params: dict):
    if method == "POST":
        return client.post("/api/v2", params)
    return client.get("/api/v2", params)


# --- the property ---------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", sorted(COMMANDS))
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_command_answers_an_envelope_whatever_it_is_sent(
    cmd, data, client, api_key, seeded, read_params
):
    names = read_params(cmd) or EXTRA_NAMES
    chosen = data.draw(
        st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True), label="names"
    )
    params = {name: data.draw(hostile_value(), label=name) for name in chosen}
    params.update(
        data.draw(
            st.dictionaries(
                st.sampled_from([*EXTRA_NAMES, "zz_unknown", "x" * 300]),
                hostile_value(),
                max_size=3,
            ),
            label="extra",
        )
    )
    out_type = data.draw(st.sampled_from(["", "json", "xml", "XML", "yaml"]), label="out_type")
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    params.pop("callback", None)
    before = database_fingerprint()

    response = send(client, method, {**params, "apikey": api_key, "cmd": cmd, "out_type": out_type})

    assert response.status_code < 500, response.content[:500]
    changed = [table for table, digest in database_fingerprint().items() if before[table] != digest]
    if COMMANDS[cmd].raw and not re.match(r"application/(json|xml)", response["Content-Type"]):
        assert response.status_code == 200
        assert not changed, changed
        return
    result = assert_envelope(response, out_type)
    if cmd not in WRITE_COMMANDS or result == "error":
        assert not changed, f"{cmd} {result} changed {changed}"
