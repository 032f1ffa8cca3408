"""``manage.py import_tautulli``: lossless, idempotent, atomic import of a Tautulli database."""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.db.models import F

from core.events import Action
from core.timeutils import from_epoch
from history.models import (
    History,
    HistoryGroup,
    HistoryGroupDirty,
    HistoryMediaInfo,
    HistoryMetadata,
)
from libraries.models import Library, RecentlyAdded
from newsletters.models import Newsletter, NewsletterLog
from notifications.models import MobileDevice, Notifier, NotifierTrigger, NotifyLog
from servers.models import Server, Session, SessionContinued
from tautulli_import import importer as importer_module
from tautulli_import import source as source_module
from tautulli_import.errors import SourceError
from tautulli_import.idmap import IdMap
from tautulli_import.importer import import_tautulli
from tautulli_import.models import TautulliImport
from tautulli_import.tables import CACHE_TABLES, TABLES
from users.models import User, UserLogin

pytestmark = pytest.mark.django_db(transaction=False)

SOURCE_MODELS = {
    "users": User,
    "library_sections": Library,
    "session_history": History,
    "session_history_metadata": HistoryMetadata,
    "session_history_media_info": HistoryMediaInfo,
    "notifiers": Notifier,
    "notify_log": NotifyLog,
    "newsletters": Newsletter,
    "newsletter_log": NewsletterLog,
    "recently_added": RecentlyAdded,
    "mobile_devices": MobileDevice,
    "user_login": UserLogin,
    "sessions": Session,
    "sessions_continued": SessionContinued,
}
ALL_MODELS = [*SOURCE_MODELS.values(), NotifierTrigger, Server, TautulliImport]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_rows(path: Path, sql: str, params=()) -> list[dict]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def source_count(path: Path, table: str) -> int:
    return source_rows(path, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def writable_copy(src: Path, tmp_path: Path, name="copy.db") -> Path:
    dst = tmp_path / name
    shutil.copy(src, dst)
    return dst


def db_snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def run_command(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_tautulli", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def expected_value(field: models.Field, value):
    """The source value as our field should hold it (the documented conversions)."""
    internal = field.get_internal_type()
    if internal == "DateTimeField":
        return from_epoch(value)
    if internal == "BooleanField":
        return None if value is None else bool(int(value))
    if field.is_relation or internal in {"IntegerField", "BigIntegerField", "SmallIntegerField"}:
        return None if value in ("", None) else int(value)
    if internal == "JSONField":
        return json.loads(value) if value else field.get_default()
    return value


def assert_row_lossless(src: dict, obj, renames: dict[str, str] | None = None, skip=()):
    """Every source column equals the converted value of the model field it lands in."""
    renames = renames or {}
    by_column = {f.column: f for f in obj._meta.concrete_fields}
    by_name = {f.name: f for f in obj._meta.concrete_fields}
    for column, value in src.items():
        if column in skip:
            continue
        f = by_name[renames[column]] if column in renames else by_column[column]
        assert getattr(obj, f.attname) == expected_value(f, value), column


# --- the happy path -----------------------------------------------------------------------------


def test_every_table_is_imported_with_the_source_row_counts(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    out, err = run_command(path)

    for table, model in SOURCE_MODELS.items():
        assert model.objects.count() == source_count(path, table), table
    assert NotifierTrigger.objects.count() == len(Action.values) * source_count(path, "notifiers")
    server = Server.objects.get()
    machine_id = source_rows(path, "SELECT DISTINCT server_id FROM library_sections")[0]
    assert server.machine_identifier == machine_id["server_id"]
    assert server.name == "Plex Media Server"
    assert set(History.objects.values_list("server", flat=True)) == {server.pk}
    assert set(Session.objects.values_list("server", flat=True)) == {server.pk}
    assert "session_history: 2,000 rows, added 2,000" in out
    assert "rows/s" in out
    assert err == ""  # no source column left behind


def test_every_source_column_has_a_destination(make_tautulli_db):
    result = import_tautulli(make_tautulli_db(history_rows=2000, users=10))
    assert result.warnings == []
    schema = (Path(settings.SHARED_DIR) / "tautulli-db" / "schema.sql").read_text()
    tables = {line.split()[2] for line in schema.splitlines() if line.startswith("CREATE TABLE")}
    assert tables == {spec.source for spec in TABLES} | set(CACHE_TABLES) - {
        "sqlite_sequence",
        "sqlite_stat1",
    }
    assert result.source_version == "v2.17.2"


def test_grouping_is_preserved(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    import_tautulli(path)
    source_groups = defaultdict(set)
    for row in source_rows(path, "SELECT id, reference_id FROM session_history"):
        source_groups[row["reference_id"]].add(row["id"])
    our_groups = defaultdict(set)
    for pk, ref in History.objects.values_list("id", "reference_id"):
        our_groups[ref].add(pk)
    assert our_groups == source_groups
    assert any(len(ids) > 1 for ids in our_groups.values())
    # The pre-aggregated plays (history.grouping) are up to date when the import returns.
    assert HistoryGroup.objects.count() == len(source_groups)
    assert HistoryGroupDirty.objects.count() == 0


def test_one_history_row_is_copied_column_for_column(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    import_tautulli(path)
    # A movie: Tautulli stores '' in its parent/grandparent rating keys and media indexes.
    movie_id = source_rows(
        path,
        "SELECT id FROM session_history_metadata WHERE media_type = 'movie' "
        "AND marker_credits_first IS NOT NULL ORDER BY id DESC LIMIT 1",
    )[0]["id"]
    history = History.objects.get(pk=movie_id)
    src = source_rows(path, "SELECT * FROM session_history WHERE id = ?", [movie_id])[0]
    assert src["parent_rating_key"] == ""
    assert history.parent_rating_key is None
    assert_row_lossless(src, history, renames={"user": "username"})
    assert history.play_duration == History.compute_play_duration(
        src["started"], src["stopped"], src["paused_counter"]
    )

    meta = source_rows(path, "SELECT * FROM session_history_metadata WHERE id = ?", [movie_id])[0]
    assert_row_lossless(meta, history.metadata, renames={"id": "history"})
    assert history.metadata.added_at == from_epoch(meta["added_at"])
    info = source_rows(path, "SELECT * FROM session_history_media_info WHERE id = ?", [movie_id])
    assert_row_lossless(info[0], history.media_info, renames={"id": "history"})


def test_play_duration_follows_the_model_rule_for_every_row(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    import_tautulli(path)
    ours = dict(History.objects.values_list("id", "play_duration"))
    for row in source_rows(
        path, "SELECT id, started, stopped, paused_counter FROM session_history"
    ):
        expected = History.compute_play_duration(
            row["started"], row["stopped"], row["paused_counter"]
        )
        assert ours[row["id"]] == expected


def test_other_tables_are_copied_losslessly(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    import_tautulli(path)
    for src in source_rows(path, "SELECT * FROM users"):
        user = User.objects.get(user_id=src["user_id"])
        assert_row_lossless(src, user, skip=("id",))
        assert user.placeholder is False
    src = source_rows(path, "SELECT * FROM library_sections ORDER BY id LIMIT 1")[0]
    assert_row_lossless(
        src, Library.objects.get(section_id=src["section_id"]), skip=("id", "server_id")
    )
    for table, model, renames in [
        ("notify_log", NotifyLog, {}),
        ("newsletter_log", NewsletterLog, {}),
        ("recently_added", RecentlyAdded, {}),
        ("user_login", UserLogin, {}),
        ("sessions", Session, {}),
    ]:
        src = source_rows(path, f"SELECT * FROM {table} ORDER BY id DESC LIMIT 1")[0]
        assert_row_lossless(src, model.objects.get(pk=src["id"]), renames=renames), table
    src = source_rows(path, "SELECT * FROM mobile_devices")[0]
    assert_row_lossless(src, MobileDevice.objects.get(device_id=src["device_id"]), skip=("id",))
    src = source_rows(path, "SELECT * FROM sessions_continued ORDER BY id LIMIT 1")[0]
    continued = SessionContinued.objects.get(
        user_id=src["user_id"], machine_id=src["machine_id"], media_type=src["media_type"]
    )
    assert continued.stopped == src["stopped"]
    recently = source_rows(path, "SELECT * FROM recently_added WHERE media_info != '[]' LIMIT 1")[0]
    assert RecentlyAdded.objects.get(pk=recently["id"]).media_info == json.loads(
        recently["media_info"]
    )


def test_notifiers_become_one_trigger_per_action_with_their_config(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    import_tautulli(path)
    for src in source_rows(path, "SELECT * FROM notifiers"):
        notifier = Notifier.objects.get(pk=src["id"])
        assert notifier.config == json.loads(src["notifier_config"])
        assert notifier.custom_conditions == json.loads(src["custom_conditions"])
        assert notifier.custom_conditions_logic == src["custom_conditions_logic"]
        triggers = {t.action: t for t in notifier.triggers.all()}
        assert list(triggers) == list(Action.values)
        for action in Action.values:
            assert triggers[action].enabled is bool(src[action]), action
            assert triggers[action].subject == src[f"{action}_subject"]
            assert triggers[action].body == src[f"{action}_body"]
    src = source_rows(path, "SELECT * FROM newsletters")[0]
    newsletter = Newsletter.objects.get(pk=src["id"])
    assert newsletter.config == json.loads(src["newsletter_config"])
    assert newsletter.email_config == json.loads(src["email_config"])


def test_placeholder_users_for_history_whose_user_is_gone(make_tautulli_db):
    path = make_tautulli_db(history_rows=3000, users=20)
    orphans = source_rows(
        path,
        "SELECT user_id, user, MAX(id) FROM session_history "
        "WHERE user_id NOT IN (SELECT user_id FROM users) GROUP BY user_id",
    )
    assert len(orphans) == 2  # generator README: two orphan user ids
    result = import_tautulli(path)
    assert sorted(result.placeholder_user_ids) == sorted(o["user_id"] for o in orphans)
    for orphan in orphans:
        user = User.objects.get(user_id=orphan["user_id"])
        assert user.placeholder is True
        assert user.username == orphan["user"]
        assert user.history.count() > 0
    assert User.objects.count() == source_count(path, "users") + 2


# --- idempotency and re-imports -----------------------------------------------------------------


def test_second_run_adds_nothing(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    import_tautulli(path)
    before = db_snapshot()
    out, _ = run_command(path)
    assert db_snapshot() == before
    assert "Imported 0 rows" in out
    assert "session_history: 2,000 rows, added 0, 2,000 already present" in out


def test_newer_copy_adds_only_the_new_rows(make_tautulli_db, tmp_path):
    full = make_tautulli_db(history_rows=2000, users=10)
    older = writable_copy(full, tmp_path)
    connection = sqlite3.connect(older)
    for table in ("session_history", "session_history_metadata", "session_history_media_info"):
        connection.execute(f"DELETE FROM {table} WHERE id > 1900")
    connection.execute("DELETE FROM notify_log WHERE id > (SELECT MAX(id) - 10 FROM notify_log)")
    connection.execute(
        "DELETE FROM newsletter_log WHERE id > (SELECT MAX(id) - 3 FROM newsletter_log)"
    )
    connection.commit()
    connection.close()

    import_tautulli(older)
    assert History.objects.count() == 1900
    result = import_tautulli(full)
    counts = result.counts
    assert counts["session_history"] == 100
    assert counts["session_history_metadata"] == 100
    assert counts["session_history_media_info"] == 100
    assert counts["notify_log"] == 10
    assert counts["newsletter_log"] == 3
    assert counts["users"] == counts["library_sections"] == counts["sessions"] == 0
    assert History.objects.count() == 2000
    assert TautulliImport.objects.get().last_counts["session_history"] == 100
    groups = source_rows(full, "SELECT COUNT(DISTINCT reference_id) AS n FROM session_history")
    assert HistoryGroup.objects.count() == groups[0]["n"]


def test_a_second_server_gets_offset_ids_and_keeps_its_groups(make_tautulli_db):
    first = import_tautulli(make_tautulli_db(history_rows=2000, users=10, seed=1))
    second_path = make_tautulli_db(history_rows=2000, users=10, seed=2)
    second = import_tautulli(second_path)
    assert second.server != first.server
    record = TautulliImport.objects.get(server=second.server)
    offset = record.offset_for("history")
    assert offset == 2000
    assert History.objects.filter(server=second.server).count() == 2000
    source_groups = defaultdict(set)
    for row in source_rows(second_path, "SELECT id, reference_id FROM session_history"):
        source_groups[row["reference_id"] + offset].add(row["id"] + offset)
    ours = defaultdict(set)
    for pk, ref in History.objects.filter(server=second.server).values_list("id", "reference_id"):
        ours[ref].add(pk)
    assert ours == source_groups
    assert TautulliImport.objects.get(server=first.server).offset_for("history") == 0
    # Re-importing the second database maps ids the same way: nothing new.
    assert import_tautulli(second_path).added == 0
    # Notify log rows still point at their (offset) notifier.
    assert set(
        NotifyLog.objects.filter(pk__gt=record.offset_for("notify_log")).values_list(
            "notifier_id", flat=True
        )
    ) <= set(Notifier.objects.values_list("id", flat=True))


def test_new_rows_that_would_land_on_ids_written_since_get_a_new_segment():
    used = {range(1, 2001), range(2001, 2101)}  # 1..2000 imported, then 100 live rows

    def in_use(low, high):
        return any(r.start <= high and low < r.stop for r in used)

    first = IdMap().extended((1, 2000), lambda lo, hi: False, lambda: 0)
    assert first.segments == [[1, 0]] and first.max_id == 2000
    again = first.extended((1, 2200), in_use, lambda: 2100)
    assert again.segments == [[1, 0], [2001, 100]]
    assert [again.map(i) for i in (5, 2000, 2001, 2200)] == [5, 2000, 2101, 2300]
    assert again.extended((1, 2200), in_use, lambda: 2300).segments == again.segments


def test_server_option_creates_the_named_server(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    out, _ = run_command(path, "--server", "Living room")
    server = Server.objects.get()
    assert server.name == "Living room"
    assert History.objects.filter(server=server).count() == 2000
    assert "'Living room' (created)" in out
    run_command(path, "--server", "Living room")
    assert Server.objects.count() == 1 and History.objects.count() == 2000


def test_older_schema_with_fewer_columns_imports(make_tautulli_db, tmp_path):
    path = writable_copy(make_tautulli_db(history_rows=2000, users=10), tmp_path)
    connection = sqlite3.connect(path)
    for table, column in [
        ("session_history_metadata", "marker_credits_first"),
        ("session_history", "relayed"),
        ("session_history", "paused_counter"),
        ("users", "filter_all"),
        ("users", "is_active"),
        ("notifiers", "on_intro"),
        ("notifiers", "on_intro_subject"),
        ("mobile_devices", "official"),
    ]:
        connection.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    connection.execute("DROP TABLE newsletter_log")
    connection.commit()
    connection.close()

    result = import_tautulli(path)
    assert result.warnings == []
    assert History.objects.count() == 2000
    assert not HistoryMetadata.objects.exclude(marker_credits_first=None).exists()
    assert not History.objects.exclude(relayed=None).exists()
    assert set(History.objects.values_list("paused_counter", flat=True)) == {0}
    assert User.objects.filter(filter_all=None).count() == User.objects.count()
    assert User.objects.filter(is_active=True).count() == User.objects.count()  # the default
    intro = NotifierTrigger.objects.filter(action="on_intro")
    assert intro.count() == 2 and not intro.filter(enabled=True).exists()
    assert MobileDevice.objects.get().official == 0
    assert "newsletter_log" not in result.counts


def test_junk_values_are_converted_not_fatal(make_tautulli_db, tmp_path):
    path = writable_copy(make_tautulli_db(history_rows=2000, users=10), tmp_path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE notifiers SET notifier_config = 'not json', custom_conditions = ''")
    connection.execute("UPDATE session_history SET bandwidth = 'n/a', secure = '' WHERE id = 1")
    connection.execute("UPDATE session_history_metadata SET year = ' 1999 ' WHERE id = 1")
    connection.commit()
    connection.close()
    import_tautulli(path)
    notifier = Notifier.objects.get(pk=1)
    assert notifier.config == "not json"
    assert notifier.custom_conditions == []
    row = History.objects.get(pk=1)
    assert row.bandwidth is None and row.secure is None
    assert row.metadata.year == 1999


# --- safety -------------------------------------------------------------------------------------


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "random.db"
    path.write_bytes(os.urandom(8192))
    return path


def _truncated(tmp_path: Path, make_tautulli_db) -> Path:
    path = tmp_path / "truncated.db"
    data = make_tautulli_db(history_rows=2000, users=10).read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _garbled(tmp_path: Path, make_tautulli_db) -> Path:
    """Valid header and schema, 64 KiB of garbage in the middle of the table data."""
    path = tmp_path / "garbled.db"
    data = bytearray(make_tautulli_db(history_rows=2000, users=10).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 65536] = os.urandom(65536)
    path.write_bytes(bytes(data))
    return path


def _not_tautulli(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize(
    "make_path, message",
    [
        (lambda tmp, make: _not_sqlite(tmp), "not a valid SQLite database"),
        (lambda tmp, make: _truncated(tmp, make), "not a valid SQLite database|corrupt"),
        (lambda tmp, make: _garbled(tmp, make), "cannot be read"),
        (lambda tmp, make: _not_tautulli(tmp), "not a Tautulli database"),
        (lambda tmp, make: tmp / "missing.db", "no such file"),
        (lambda tmp, make: tmp, "not a file"),
    ],
    ids=["random-bytes", "truncated", "garbled", "not-tautulli", "missing", "directory"],
)
def test_bad_sources_exit_2_with_one_line_and_change_nothing(
    make_path, message, tmp_path, make_tautulli_db
):
    path = make_path(tmp_path, make_tautulli_db)
    before = db_snapshot()
    with pytest.raises(CommandError) as excinfo:
        run_command(path)
    assert excinfo.value.returncode == 2
    text = str(excinfo.value)
    assert re.search(message, text) and "\n" not in text
    assert db_snapshot() == before


def test_exit_status_and_stderr_of_the_real_command(tmp_path):
    path = _not_tautulli(tmp_path)
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    completed = subprocess.run(
        [sys.executable, "manage.py", "import_tautulli", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a Tautulli database" in lines[0]


def test_a_failure_mid_import_rolls_everything_back(make_tautulli_db, monkeypatch):
    path = make_tautulli_db(history_rows=2000, users=10)
    before = db_snapshot()
    original = importer_module.TautulliImporter.copy

    def failing_copy(self, plan, server):
        if plan.label == "notify_log":
            raise importer_module.TautulliImportError("notify_log: simulated failure")
        return original(self, plan, server)

    monkeypatch.setattr(importer_module.TautulliImporter, "copy", failing_copy)
    with pytest.raises(CommandError, match="simulated failure"):
        run_command(path)
    assert db_snapshot() == before


def test_the_source_file_is_never_changed(make_tautulli_db, tmp_path):
    path = writable_copy(make_tautulli_db(history_rows=2000, users=10), tmp_path)
    digest = sha256(path)
    run_command(path)
    run_command(path)
    run_command(path, "--dry-run")
    assert sha256(path) == digest


def test_secrets_are_imported_but_never_printed(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    out, err = run_command(path)
    out2, err2 = run_command(path, "--dry-run")
    secrets = []
    for notifier in source_rows(path, "SELECT notifier_config FROM notifiers"):
        config = json.loads(notifier["notifier_config"])
        secrets += [v for k, v in config.items() if k in ("hook", "smtp_password")]
    for newsletter in source_rows(path, "SELECT email_config FROM newsletters"):
        secrets.append(json.loads(newsletter["email_config"])["smtp_password"])
    secrets.append(source_rows(path, "SELECT device_token FROM mobile_devices")[0]["device_token"])
    assert len(secrets) >= 4
    for secret in secrets:
        assert secret not in out + err + out2 + err2
    assert Notifier.objects.get(pk=2).config["smtp_password"] in secrets  # imported all the same


def test_dry_run_reports_counts_and_writes_nothing(make_tautulli_db):
    path = make_tautulli_db(history_rows=2000, users=10)
    out, _ = run_command(path, "--dry-run")
    assert db_snapshot() == {name: 0 for name in db_snapshot()}
    assert "session_history: 2,000 rows, would add 2,000" in out
    assert "Dry run" in out and "nothing was written" in out
    import_tautulli(path)
    out, _ = run_command(path, "--dry-run")
    assert "session_history: 2,000 rows, would add 0, 2,000 already present" in out


def test_ids_continue_after_the_imported_ones(make_tautulli_db):
    import_tautulli(make_tautulli_db(history_rows=2000, users=10))
    top = Notifier.objects.order_by("-id").first().id
    assert Notifier.objects.create(agent_id=1).id > top
    top = NotifyLog.objects.order_by("-id").first().id
    assert NotifyLog.objects.create().id > top
    server = Server.objects.get()
    assert History.objects.create(server=server).id > 2000


# --- reading WAL databases read-only --------------------------------------------------------------


def test_wal_database_without_shm_in_a_read_only_folder_falls_back_to_immutable(
    make_tautulli_db, tmp_path, monkeypatch
):
    path = writable_copy(make_tautulli_db(history_rows=2000, users=10), tmp_path)
    real_connect = source_module._connect

    def connect(p, *, immutable):
        if not immutable:  # what SQLite says when it cannot create the -shm file
            error = sqlite3.OperationalError("unable to open database file")
            error.sqlite_errorname = "SQLITE_CANTOPEN"
            raise error
        return real_connect(p, immutable=immutable)

    monkeypatch.setattr(source_module, "_connect", connect)
    result = import_tautulli(path)
    assert result.counts["session_history"] == 2000
    assert any("immutable=1" in w for w in result.warnings)

    Path(f"{path}-wal").write_bytes(b"x" * 100)  # unread WAL content: refuse, never ignore it
    with pytest.raises(SourceError, match="-wal"):
        import_tautulli(path)


def test_wal_database_is_read_with_mode_ro(make_tautulli_db, tmp_path):
    path = writable_copy(make_tautulli_db(history_rows=2000, users=10), tmp_path)
    assert source_rows(path, "PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    source = source_module.open_source(path)
    try:
        assert source.immutable is False
        assert source.count("session_history") == 2000
    finally:
        source.close()


def constraints_and_indexes(table: str) -> list[tuple]:
    """The definitions of the table's foreign keys, indexes and triggers (with their enabled
    state; no foreign keys on SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                "AND tbl_name = %s ORDER BY name",
                [table],
            )
            return cursor.fetchall()
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal ORDER BY 1",
            [table],
        )
        triggers = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = %s::regclass "
            "UNION ALL SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) "
            "FROM pg_index WHERE indrelid = %s::regclass ORDER BY 1",
            [table, table],
        )
        return cursor.fetchall() + triggers


def test_large_first_loads_rebuild_indexes_and_foreign_keys_as_they_were(
    make_tautulli_db, monkeypatch
):
    monkeypatch.setattr(importer_module, "BULK_LOAD_ROWS", 0)
    tables = [m._meta.db_table for m in (History, HistoryMetadata, HistoryMediaInfo, NotifyLog)]
    before = {t: constraints_and_indexes(t) for t in tables}
    assert len(before[History._meta.db_table]) > 10
    path = make_tautulli_db(history_rows=2000, users=10)
    result = import_tautulli(path)
    assert result.counts["session_history_media_info"] == 2000
    assert {t: constraints_and_indexes(t) for t in tables} == before
    # The group triggers were paused for the load: every play was rebuilt all the same.
    groups = source_rows(path, "SELECT COUNT(DISTINCT reference_id) AS n FROM session_history")
    assert HistoryGroup.objects.count() == groups[0]["n"]
    assert HistoryGroupDirty.objects.count() == 0
    assert (
        History.objects.filter(reference_id=F("id")).count()
        == source_rows(path, "SELECT COUNT(*) AS n FROM session_history WHERE reference_id = id")[
            0
        ]["n"]
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite checks foreign keys at the final commit"
)
def test_a_broken_foreign_key_in_a_large_load_fails_and_rolls_back(make_tautulli_db, monkeypatch):
    monkeypatch.setattr(importer_module, "BULK_LOAD_ROWS", 0)
    monkeypatch.setattr(
        importer_module.TautulliImporter,
        "create_placeholder_users",
        lambda self, result: importer_module.TableResult(name="placeholder users"),
    )
    before = db_snapshot()
    with pytest.raises(CommandError, match="session_history: IntegrityError: .*foreign key"):
        run_command(make_tautulli_db(history_rows=3000, users=20))
    assert db_snapshot() == before
    assert constraints_and_indexes(History._meta.db_table)
