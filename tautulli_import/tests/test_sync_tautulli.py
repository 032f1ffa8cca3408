"""Sync from a running Tautulli (``tautulli_import.remote``) against the loopback stand-in."""

import logging
import shutil
import sqlite3
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from history.models import (
    History,
    HistoryGroup,
    HistoryGroupDirty,
    HistoryMediaInfo,
    HistoryMetadata,
)
from libraries.models import Library
from servers.models import Server
from stats.models import DailyConcurrency, DailyPlays, DailyWatchTime, RollupDirtyDay
from stats.rollup import rebuild_rollup
from tautulli_import.importer import import_tautulli
from tautulli_import.models import TautulliConnection, TautulliImport
from tautulli_import.remote import sync
from tautulli_import.remote.client import TautulliAPIError, TautulliClient
from tautulli_import.remote.sync import check_connection, sync_connection
from tautulli_import.testing import TautulliStandIn
from users.models import User

pytestmark = pytest.mark.django_db(transaction=False)

API_KEY = "5ecre7ap1key0123456789abcdefabcd"
ROWS = 300
PAGE = 40

HISTORY_FIELDS = [
    "id",
    "server_id",
    "reference_id",
    "started",
    "stopped",
    "play_duration",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "user_id",
    "username",
    "ip_address",
    "paused_counter",
    "player",
    "product",
    "platform",
    "machine_id",
    "location",
    "secure",
    "relayed",
    "media_type",
    "section_id",
]
METADATA_FIELDS = [
    "history_id",
    "media_type",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "title",
    "parent_title",
    "grandparent_title",
    "original_title",
    "full_title",
    "media_index",
    "parent_media_index",
    "year",
    "originally_available_at",
    "guid",
    "live",
]


@pytest.fixture
def source(make_tautulli_db, tmp_path):
    """A writable copy of a generated Tautulli database (rows can be added between syncs)."""
    path = tmp_path / "tautulli.db"
    shutil.copy(make_tautulli_db(history_rows=ROWS, users=6, seed=3), path)
    return path


@pytest.fixture
def standin(source):
    with TautulliStandIn(source, API_KEY) as server:
        yield server


@pytest.fixture
def conn(standin):
    return TautulliConnection.objects.create(name="nas", url=standin.url, api_key=API_KEY)


def snapshot():
    return {
        "history": list(History.objects.order_by("id").values_list(*HISTORY_FIELDS)),
        "metadata": list(
            HistoryMetadata.objects.order_by("history_id").values_list(*METADATA_FIELDS)
        ),
        "media": list(
            HistoryMediaInfo.objects.order_by("history_id").values_list(
                "history_id", "rating_key", "transcode_decision"
            )
        ),
        "users": sorted(User.objects.values_list("user_id", "username")),
        "libraries": sorted(Library.objects.values_list("server_id", "section_id", "section_name")),
        "groups": sorted(HistoryGroup.objects.values_list("reference_id", "server_id")),
    }


def wipe():
    History.objects.all().delete()
    HistoryGroup.objects.all().delete()
    User.objects.all().delete()
    Library.objects.all().delete()
    TautulliImport.objects.all().delete()


def active_sections(path):
    db = sqlite3.connect(path)
    try:
        return {
            r[0]
            for r in db.execute("SELECT section_id FROM library_sections WHERE deleted_section = 0")
        }
    finally:
        db.close()


def test_first_sync_equals_the_file_import(conn, source):
    result = sync_connection(conn, page_length=PAGE)
    assert result.error == ""
    synced = snapshot()
    server = Server.objects.get()
    assert result.server == server and conn.server == server
    assert result.counts["session_history"] == ROWS == len(synced["history"])

    wipe()
    imported = import_tautulli(source)
    assert imported.server == server
    expected = snapshot()

    assert synced["users"] and synced["libraries"] and synced["groups"]
    assert len(synced["history"]) == len(expected["history"])
    assert synced["users"] == expected["users"]
    assert synced["libraries"] == expected["libraries"]
    assert synced["groups"] == expected["groups"]
    assert synced["metadata"] == expected["metadata"]
    assert synced["media"] == expected["media"]
    # section_id comes from the libraries Tautulli still lists; a row of a deleted library
    # has none (get_history does not carry it).
    live = active_sections(source)
    section = HISTORY_FIELDS.index("section_id")
    assert any(row[section] in live for row in expected["history"])
    for ours, theirs in zip(synced["history"], expected["history"], strict=True):
        if theirs[section] in live:
            assert ours == theirs
        else:
            assert ours[:section] == theirs[:section] and ours[section] is None


def test_second_sync_adds_nothing(conn, standin):
    sync_connection(conn, page_length=PAGE)
    before = snapshot()
    calls = len(standin.requests)
    result = sync_connection(conn, page_length=PAGE)
    assert result.error == "" and result.added == 0
    assert snapshot() == before
    # the second run read one short page, not the whole history again
    assert standin.requests[calls:].count("get_history") == 1
    conn.refresh_from_db()
    assert conn.last_counts == {"users": 0, "library_sections": 0}


def add_rows(path, n):
    """Copy the last n history rows (all three tables) as new plays with new ids."""
    db = sqlite3.connect(path)
    try:
        top = db.execute("SELECT MAX(id) FROM session_history").fetchone()[0]
        for table in ("session_history", "session_history_metadata", "session_history_media_info"):
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
            names = ", ".join(cols)
            db.execute(
                f"INSERT INTO {table} (id, {names}) SELECT id + {n}, {names} FROM {table} "
                f"WHERE id > {top - n} ORDER BY id"
            )
        db.execute(
            f"UPDATE session_history SET reference_id = id, started = started + 86400, "
            f"stopped = stopped + 86400 WHERE id > {top}"
        )
        db.commit()
    finally:
        db.close()
    return top


def test_new_rows_arrive_with_the_next_sync_without_duplicates(conn, source):
    sync_connection(conn, page_length=PAGE)
    top = add_rows(source, 25)
    result = sync_connection(conn, page_length=PAGE)
    assert result.error == ""
    assert result.counts["session_history"] == 25
    assert History.objects.count() == ROWS + 25
    assert History.objects.filter(id__gt=top).count() == 25
    conn.refresh_from_db()
    assert conn.last_history_id == top + 25
    assert sync_connection(conn, page_length=PAGE).added == 0


def test_rows_deleted_in_tautulli_do_not_make_the_sync_skip_new_ones(conn, source):
    sync_connection(conn, page_length=PAGE)
    db = sqlite3.connect(source)
    db.execute("DELETE FROM session_history WHERE id IN (SELECT id FROM session_history LIMIT 90)")
    db.commit()
    db.close()
    top = add_rows(source, 10)
    result = sync_connection(conn, page_length=PAGE)
    assert result.error == "" and result.counts["session_history"] == 10
    assert History.objects.filter(id__gt=top).count() == 10


def test_an_outage_mid_sync_keeps_the_committed_pages_and_resumes(conn, standin, source):
    standin.fail_history_after = 3
    result = sync_connection(conn, page_length=PAGE)
    assert "HTTP 500" in result.error or "Check the logs for errors" in result.error
    assert "\n" not in result.error
    conn.refresh_from_db()
    committed = History.objects.count()
    assert committed == 3 * PAGE  # three whole pages, nothing of the fourth
    assert conn.last_history_id == History.objects.order_by("-id").first().id
    assert conn.last_error == result.error and conn.last_sync_at is not None
    assert conn.last_success_at is None

    standin.fail_history_after = None
    result = sync_connection(conn, page_length=PAGE)
    assert result.error == ""
    assert result.counts["session_history"] == ROWS - committed
    assert History.objects.count() == ROWS
    conn.refresh_from_db()
    assert conn.last_error == "" and conn.last_success_at is not None


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("error", "Tautulli answered an error: Database is locked"),
        ("garbage", "unexpected answer (not a Tautulli API answer)"),
    ],
)
def test_an_error_envelope_or_garbage_is_one_clear_line(conn, standin, mode, expected):
    standin.mode = mode
    result = sync_connection(conn)
    assert result.error == f"Tautulli at {standin.url}: get_tautulli_info: {expected}"
    assert History.objects.count() == 0


def test_a_wrong_key_a_down_or_slow_tautulli_is_one_line_without_the_key(standin, caplog):
    caplog.set_level(logging.DEBUG)
    bad = TautulliConnection.objects.create(name="bad", url=standin.url, api_key="wrong" + API_KEY)
    assert sync_connection(bad).error.endswith("Tautulli answered an error: Invalid apikey")

    down = TautulliConnection.objects.create(name="down", url="http://127.0.0.1:9", api_key=API_KEY)
    line = sync_connection(down).error
    assert (
        line
        == "Tautulli at http://127.0.0.1:9: get_tautulli_info: cannot connect (is Tautulli running at this address?)"
    )

    standin.mode, standin.delay = "slow", 1.5
    client = TautulliClient(standin.url, API_KEY, timeout=(1, 0.5))
    with pytest.raises(TautulliAPIError, match=r"get_tautulli_info: no answer within 0.5 s$"):
        client.get_tautulli_info()
    for connection in TautulliConnection.objects.all():
        assert API_KEY not in connection.last_error
    assert API_KEY not in caplog.text


def test_test_connection_reports_the_version(conn):
    assert check_connection(conn) == "Tautulli v2.17.2 monitoring Stand-in PMS"


def test_rows_attach_to_the_server_with_the_same_machine_identifier(conn, source):
    db = sqlite3.connect(source)
    machine = db.execute("SELECT server_id FROM library_sections LIMIT 1").fetchone()[0]
    db.close()
    mine = Server.objects.create(name="My PMS", url="http://pms:32400", machine_identifier=machine)
    sync_connection(conn, page_length=200)
    assert set(History.objects.values_list("server", flat=True)) == {mine.pk}
    assert Server.objects.count() == 1


def test_command_exits_non_zero_with_one_line(conn, standin):
    out = StringIO()
    call_command("sync_tautulli", "--connection", "nas", stdout=out)
    assert "nas:" in out.getvalue() and History.objects.count() == ROWS
    standin.mode = "error"
    with pytest.raises(CommandError) as failure:
        call_command("sync_tautulli", stdout=StringIO())
    assert "Database is locked" in str(failure.value) and "\n" not in str(failure.value)
    with pytest.raises(CommandError, match="no Tautulli connection named 'other'"):
        call_command("sync_tautulli", "--connection", "other")


def test_task_syncs_the_active_connections(conn):
    from tautulli_import.tasks import sync_tautulli_connections

    TautulliConnection.objects.create(
        name="off", url="http://127.0.0.1:9", api_key=API_KEY, active=False
    )
    summary = sync_tautulli_connections()
    assert summary == {"nas": {"added": summary["nas"]["added"], "error": ""}}
    assert History.objects.count() == ROWS


def test_the_schedule_exists():
    from django_q.models import Schedule

    row = Schedule.objects.get(name="Sync from Tautulli")
    assert (row.func, row.minutes) == ("tautulli_import.tasks.sync_tautulli_connections", 720)


def test_admin_never_shows_the_key_and_has_the_actions(admin_client, conn):
    sync_connection(conn, page_length=200)
    changelist = admin_client.get(reverse("admin:tautulli_import_tautulliconnection_changelist"))
    assert changelist.status_code == 200
    assert API_KEY not in changelist.content.decode()
    change = admin_client.get(
        reverse("admin:tautulli_import_tautulliconnection_change", args=[conn.pk])
    )
    assert API_KEY not in change.content.decode()
    for name in ("sync_now", "test_connection"):
        response = admin_client.post(
            reverse("admin:tautulli_import_tautulliconnection_changelist"),
            {"action": name, "_selected_action": [conn.pk]},
            follow=True,
        )
        assert response.status_code == 200
        assert API_KEY not in response.content.decode()


def stored_statistics():
    """The play groups and rollups as stored (``unsynced``: no read-time upkeep)."""
    return {
        "groups": sorted(
            HistoryGroup.unsynced.values_list("reference_id", "server_id", "play_duration")
        ),
        "daily plays": sorted(DailyPlays.unsynced.values_list("date", "section_id", "plays")),
        "watch time": sorted(
            DailyWatchTime.unsynced.values_list("period", "date", "user_id", "plays", "duration")
        ),
        "concurrency": sorted(
            DailyConcurrency.unsynced.values_list("date", "transcode_decision", "peak")
        ),
    }


def queues_are_empty():
    return not HistoryGroupDirty.objects.exists() and not RollupDirtyDay.objects.exists()


def test_the_statistics_are_brought_up_to_date_once_after_the_last_page(conn):
    with mock.patch.object(sync, "history_upkeep", wraps=sync.history_upkeep) as upkeep:
        result = sync_connection(conn, page_length=PAGE)
    assert result.error == "" and result.pages == -(-ROWS // PAGE)
    assert upkeep.call_count == 1  # not once per page
    assert queues_are_empty()
    stored = stored_statistics()
    assert stored["groups"] and stored["daily plays"] and stored["concurrency"]
    rebuild_rollup()  # what a full recomputation from history gives
    assert stored_statistics() == stored

    with mock.patch.object(sync, "history_upkeep", wraps=sync.history_upkeep) as upkeep:
        assert sync_connection(conn, page_length=PAGE).added == 0
    assert upkeep.call_count == 0  # nothing written, nothing to bring up to date


def test_an_outage_mid_sync_leaves_the_statistics_of_the_committed_pages(conn, standin):
    standin.fail_history_after = 2
    assert sync_connection(conn, page_length=PAGE).error
    assert History.objects.count() == 2 * PAGE
    assert queues_are_empty()
    groups = set(HistoryGroup.unsynced.values_list("reference_id", flat=True))
    assert groups == {r or i for i, r in History.objects.values_list("id", "reference_id")}


def test_a_failed_upkeep_loses_nothing_readers_bring_the_statistics_up_to_date(conn, source):
    with mock.patch.object(sync, "history_upkeep", side_effect=RuntimeError("killed")):
        result = sync_connection(conn, page_length=PAGE)
    # the rows and the cursor are committed; the statistics' queues hold every play
    assert result.error == "" and History.objects.count() == ROWS
    assert not queues_are_empty()
    synced = sorted(HistoryGroup.objects.values_list("reference_id", "server_id"))  # read: syncs

    assert DailyPlays.objects.exists()  # so does a read of the statistics
    assert queues_are_empty()
    stored = stored_statistics()
    rebuild_rollup()
    assert stored_statistics() == stored

    wipe()
    import_tautulli(source)
    assert synced == sorted(HistoryGroup.objects.values_list("reference_id", "server_id"))


def test_rows_of_a_library_of_another_kind_still_get_its_section(conn, source):
    """Libraries are first asked about the rows of their kind; a row found in none of those
    is looked for in the others."""
    db = sqlite3.connect(source)
    movie = db.execute(
        "SELECT section_id FROM library_sections WHERE section_type = 'movie' "
        "AND deleted_section = 0 AND section_id IN (SELECT section_id FROM session_history) "
        "LIMIT 1"
    ).fetchone()[0]
    db.execute("UPDATE library_sections SET section_type = 'show' WHERE section_id = ?", [movie])
    db.commit()
    expected = dict(db.execute("SELECT id, section_id FROM session_history"))
    db.close()
    assert sync_connection(conn, page_length=PAGE).error == ""
    synced = dict(History.objects.values_list("id", "section_id"))
    live = active_sections(source)
    assert any(section == movie for section in synced.values())
    assert synced == {i: (s if s in live else None) for i, s in expected.items()}


def test_the_next_page_is_read_while_one_is_written_and_a_failed_commit_stops(conn, standin):
    real = sync.StagedWriter.write
    calls = {"n": 0}

    def failing_second_page(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # users and libraries, page 1, then page 2 fails
            raise RuntimeError("database went away")
        return real(self, **kwargs)

    with mock.patch.object(sync.StagedWriter, "write", failing_second_page):
        result = sync_connection(conn, page_length=PAGE)
    assert result.error == "RuntimeError: database went away"
    conn.refresh_from_db()
    assert History.objects.count() == PAGE
    assert conn.last_history_id == History.objects.order_by("-id").first().id
    # page 3 may have been read ahead, never more
    assert standin.history_calls <= 3
    assert sync_connection(conn, page_length=PAGE).error == ""
    assert History.objects.count() == ROWS
