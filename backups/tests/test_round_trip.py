"""A database backup restores, on each engine, to an equal copy: rows made in several apps'
tables, backed up (verified), wiped, restored with ``manage.py restore``: every row equal."""

import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from model_bakery import baker

from backups import sqlite as sqlite_backup
from backups.models import Backup
from backups.service import backup_database, backup_path
from history.models import History
from libraries.models import Library
from servers.models import Server
from users.models import User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("needs_pg_tools")]

# Bookkeeping that a backup itself changes (its own row, the task queue).
SKIPPED = {"backups_backup", "django_q_ormq", "django_q_task"}


def every_row(conn=None) -> dict[str, list]:
    """``{table: [rows in primary key order]}`` of every table of the database."""
    conn = conn or connection
    if isinstance(conn, sqlite3.Connection):
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for table in sorted(set(tables) - SKIPPED)
        }
    with conn.cursor() as cursor:
        tables = sorted(set(conn.introspection.table_names()) - SKIPPED)
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {conn.ops.quote_name(table)} ORDER BY 1")
            rows[table] = [tuple(row) for row in cursor.fetchall()]
        return rows


def make_rows():
    server = baker.make(Server, name="Home", url="http://127.0.0.1:32400", token="plex-token")
    users = baker.make(User, _quantity=3)
    library = baker.make(Library, server=server, section_id=1, section_name="Movies")
    baker.make(History, server=server, user_id=users[0].user_id, _quantity=5)
    return server, users, library


def test_round_trip_every_row_equal(capsys):
    make_rows()
    before = every_row()
    assert sum(len(rows) for rows in before.values()) > 10

    backup = backup_database("command")
    assert backup.error == ""
    assert backup.verified is True, backup.verification
    tables = backup.verification["tables"]
    assert tables[History._meta.db_table]["source"] == tables[History._meta.db_table]["copy"] == 5
    assert tables[Server._meta.db_table]["copy"] == 1

    call_command("flush", interactive=False, verbosity=0)
    assert not History.objects.exists()
    # flush leaves derived bookkeeping rows (history group triggers): --force
    call_command("restore", str(backup_path(backup)), "--force")
    assert "restored" in capsys.readouterr().out

    connection.close()
    assert every_row() == before
    assert Server.objects.get().token == "plex-token"


@pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="a SQLite copy restored into a separate file"
)
def test_sqlite_copy_restored_into_a_separate_file_is_equal(tmp_path):
    make_rows()
    backup = backup_database("command", verify=False)
    target = tmp_path / "restored.sqlite3"
    sqlite_backup.restore(backup_path(backup), target)
    live = sqlite3.connect(connection.settings_dict["NAME"])
    restored = sqlite3.connect(target)
    try:
        assert every_row(restored) == every_row(live)
    finally:
        live.close()
        restored.close()
    assert Backup.objects.get().verified is None  # --no-verify


def test_backup_file_is_private_and_named_by_utc_time():
    backup = backup_database("command", verify=False)
    path = backup_path(backup)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.name.startswith("tautulli-database-20261122T1030")
    assert Path(path).suffix in (".gz", ".pgdump")
    assert not list(path.parent.glob(".*part"))
