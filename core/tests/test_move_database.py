"""``manage.py move_database``: a SQLite install moved into a scratch PostgreSQL database.

The move runs from the SQLite test database (these tests run in the SQLite suite; the one about
a PostgreSQL source only in the PostgreSQL suite). The scratch database is created and dropped
through ``postgres://app:app@127.0.0.1:5432/postgres``; without a reachable server the tests
that need it are skipped, saying so.
"""

import hashlib
import os
from io import StringIO

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from model_bakery import baker

from core import dbmove

SERVER = "postgres://app:app@127.0.0.1:5432"
SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
sqlite_source = pytest.mark.skipif(not SQLITE, reason="the source of a move must be SQLite")


def _admin():
    try:
        return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER} (the CI starts it): {exc}")


@pytest.fixture
def scratch_url():
    """The URL of an empty scratch PostgreSQL database, dropped afterwards."""
    name = f"move_test_{os.getpid()}"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{SERVER}/{name}"
    dbmove.remove_alias()
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def move(url, *extra):
    out = StringIO()
    call_command("move_database", "--to", url, *extra, stdout=out)
    return out.getvalue()


def fill():
    """Rows across the apps, besides a Tautulli import."""
    from history.models import History
    from housekeeping.models import Rule, RuleSet
    from libraries.models import Library
    from notifications.models import Notifier, NotifierTrigger
    from users.models import User

    baker.make("auth.User", username="admin", is_staff=True, is_superuser=True)
    users = baker.make(User, _quantity=3)
    library = baker.make(Library, section_name="Films")
    notifier = baker.make(
        Notifier,
        config={"url": "https://example.invalid/hook", "nested": {"ok": True, "n": [1, 2.5]}},
        custom_conditions=[{"parameter": "user", "value": ["a"]}],
    )
    baker.make(NotifierTrigger, notifier=notifier)
    rule_set = baker.make(RuleSet, pressure_tiers=[{"free_gb": 10}])
    baker.make(Rule, rule_set=rule_set, value={"days": 30}, _quantity=2)
    for user in users:
        baker.make(History, user=user, section_id=library.section_id, _quantity=2)


def models_rows(alias):
    """Every model's rows (auto-created M2M through models too) through Django's fields."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        manager = model._base_manager.using(alias)
        rows[model._meta.db_table] = list(manager.order_by("pk").values_list())
    return rows


@sqlite_source
@pytest.mark.django_db
def test_move_copies_every_table_and_the_api_answers_the_same(
    scratch_url, imported_tautulli, call_api
):
    imported_tautulli(history_rows=300, users=5)
    fill()
    _, before = call_api("get_history", length="50", order_column="date")  # syncs the groups

    unchanged = models_rows("default")
    caches["stats"].set("old-database-answer", 1)
    output = move(scratch_url, "--batch-size", "97")
    assert caches["stats"].get("old-database-answer") is None
    assert models_rows("default") == unchanged  # the move never writes to the install

    assert output.strip().splitlines()[-1] == f"DATABASE_URL={scratch_url}"
    assert "every table verified" in output
    alias = dbmove.TARGET_ALIAS
    source, target = models_rows("default"), models_rows(alias)
    assert source.keys() == target.keys()
    for table, rows in source.items():
        assert target[table] == rows, table
    assert any(len(rows) > 1000 for rows in source.values())

    from history import triggers

    assert triggers.missing_triggers(connections[alias]) == []
    # The secondary indexes, dropped for the copy, are all back.
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        indexes = {name for (name,) in cursor.fetchall()}
    declared = {
        index.name
        for model in apps.get_models()
        for index in model._meta.indexes
        if model._meta.managed
    }
    assert declared and declared <= indexes
    assert "hgroup_search_trgm" in indexes
    # Sequences: the next row gets the next id on the target.
    from history.models import History

    last = History.objects.order_by("-pk").first()
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('history_history', 'id'))",
        )
        assert cursor.fetchone()[0] == last.pk + 1
    # Freshness markers arrive as they were (the triggers did not queue the moved plays).
    for table in ("history_historygroupdirty", "stats_rollupdirtyday", "stats_rollupstate"):
        assert target[table] == source[table], table
    assert len(source["history_historygroupdirty"]) == 0

    # The API on the target: Django's default connection swapped for the target's.
    default = connections["default"]
    connections["default"] = connections[alias]
    try:
        _, after = call_api("get_history", length="50", order_column="date")
    finally:
        connections["default"] = default
    assert after == before


@sqlite_source
@pytest.mark.django_db
def test_a_target_with_rows_is_refused_unless_forced(scratch_url):
    fill()
    move(scratch_url)
    with pytest.raises(CommandError, match="target database is not empty"):
        move(scratch_url)
    output = move(scratch_url, "--force")
    assert output.strip().endswith(f"DATABASE_URL={scratch_url}")


@sqlite_source
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:p@localhost/x", "must be a PostgreSQL URL"),
        ("not a url", "not a PostgreSQL URL"),
        ("postgres://app:secret@127.0.0.1:1/nowhere", "cannot connect to"),
    ],
)
def test_bad_or_unreachable_urls_are_refused_in_one_line(url, message):
    with pytest.raises(CommandError, match=message) as error:
        move(url)
    assert "\n" not in str(error.value)
    assert "secret" not in str(error.value)


@pytest.mark.skipif(SQLITE, reason="needs a PostgreSQL source (run in the PostgreSQL suite)")
@pytest.mark.django_db
def test_a_postgresql_source_is_refused():
    assert connection.vendor == "postgresql"
    with pytest.raises(CommandError, match="not SQLite"):
        move(f"{SERVER}/postgres")


@sqlite_source
@pytest.mark.django_db
def test_postgresql_computes_the_same_checksum_as_the_typed_values_and_sees_a_change(
    scratch_url, imported_tautulli
):
    """The target's checksum is computed in SQL (no row travels back); it equals the digest
    of the rows read back through their types, table by table, and changes with one value."""
    imported_tautulli(history_rows=120, users=4)
    fill()
    from history.models import History

    History.objects.filter(pk=History.objects.order_by("pk").first().pk).update(
        paused_counter=7, platform="Ünïcode ✓ with 'quotes' and \\ backslash\nnewline"
    )
    result = dbmove.move_database(scratch_url)
    raw = connections[dbmove.TARGET_ALIAS].connection
    quote = connections[dbmove.TARGET_ALIAS].ops.quote_name
    tables = {
        name: dbmove._Table(name, columns)
        for name, columns in dbmove._target_tables(connections[dbmove.TARGET_ALIAS]).items()
    }
    with transaction.atomic(using=dbmove.TARGET_ALIAS):  # server-side cursors need one
        in_sql = [entry for entry in result.tables if not entry.read_back]
        assert {entry.table for entry in in_sql} >= {
            "history_history",
            "history_historymetadata",
            "history_historymediainfo",
            "users_user",
        }
        for entry in result.tables:
            table = tables[entry.table]
            read_back = dbmove._read_back_checksum(raw, table, quote, 50, "check")
            assert read_back == (entry.rows, entry.checksum), entry.table
            if not entry.read_back:
                assert dbmove._target_checksum(raw, table, quote, 50, "x") == read_back, entry.table
        history = tables["history_history"]
        before = dbmove._target_checksum(raw, history, quote, 50, "x")
        with connections[dbmove.TARGET_ALIAS].cursor() as cursor:
            cursor.execute("UPDATE history_history SET paused_counter = 8 WHERE paused_counter = 7")
        after = dbmove._target_checksum(raw, history, quote, 50, "x")
    assert after[0] == before[0] and after[1] != before[1]


@sqlite_source
@pytest.mark.django_db
def test_data_migrations_write_to_the_database_being_migrated(scratch_url):
    """Every data migration of the project writes through its own connection: migrating a
    second database (no router) leaves the default one untouched."""
    from django_q.models import Schedule

    from stats.models import ItemUserLast

    Schedule.objects.all().delete()
    baker.make(ItemUserLast, media_type="movie", title="Heat", user_id=1, _quantity=1)
    alias = dbmove.add_target_alias(scratch_url)
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    assert list(Schedule.objects.values_list("name", flat=True)) == []
    assert ItemUserLast.unsynced.count() == 1  # stats 0006 rebuilt the target's, not this one
    names = set(Schedule.objects.using(alias).values_list("name", flat=True))
    assert {"backups: database", "Announce due deletion candidates"} <= names


def test_the_row_text_python_writes_is_postgresqls_for_tricky_values(scratch_url):
    """The source digests reproduce PostgreSQL's row text (``t::text``) value for value: the
    floats' notation, quoting, fractions of seconds, addresses, NULL."""
    import datetime as dt

    types = {
        "f": "double precision",
        "s": "text",
        "ts": "timestamp with time zone",
        "d": "date",
        "b": "boolean",
        "i": "bigint",
        "ip": "inet",
    }
    floats = [1e15, 100.0, 0.1, 1e-5, 1.5e300, -0.0, 123456.789, 1234567890123456.8, 1e16]
    floats += [-1e15, 5e-324, 1e22, 2.5, -7.25e15, 9007199254740993.0]
    texts = ["", " a", 'q"b', "b\\c", "x,y", "(p)", "tab\tx", "ü ", "plain", "\xa0nbsp", "a\nb"]
    stamps = [
        dt.datetime(2026, 11, 22, 10, 30, 0, 500000, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "0999-01-02 03:04:05.000001",
        None,
    ]
    rows = []
    for n in range(max(len(floats), len(texts), len(stamps))):
        rows.append(
            (
                floats[n % len(floats)],
                texts[n % len(texts)],
                stamps[n % len(stamps)],
                ["2026-11-22", dt.date(1999, 1, 2), None][n % 3],
                [1, 0, True, None][n % 4],
                [2**62, -5, None][n % 3],
                ["1.2.3.4", "2001:DB8::1", None][n % 3],
            )
        )
    table = dbmove._Table("tricky", list(types.items()))
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        columns = ", ".join(f"{name} {kind}" for name, kind in types.items())
        conn.execute(f"CREATE TABLE tricky (n serial, {columns})")
        for number, row in enumerate(rows):
            converted = table.converted(row)
            conn.execute(
                f"INSERT INTO tricky (n, {', '.join(types)}) VALUES (%s{', %s' * len(types)})",
                [number, *converted],
            )
            (text,) = conn.execute(
                f"SELECT ROW({', '.join(types)})::text FROM tricky WHERE n = %s", [number]
            ).fetchone()
            ours = table.row_text(converted)
            assert ours == text, row
            digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
            assert table.digest(converted) == dbmove._halves(digest), row
