"""The triggers that queue changed plays (history.triggers), their system check (history.E001)
and the command that reinstalls them."""

import datetime as dt
import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from model_bakery import baker

from history import checks as history_checks
from history.models import History, HistoryGroupDirty
from history.triggers import (
    install_triggers,
    missing_triggers,
    queue_every_play,
    trigger_name,
    trigger_names,
)
from servers.models import Server

pytestmark = pytest.mark.django_db

UPDATE_TRIGGER = trigger_name("history_history", "update")


def _database_errors() -> list[checks.CheckMessage]:
    return [
        message
        for message in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
        if message.id == "history.E001"
    ]


def _drop(name: str, table: str) -> None:
    with connection.cursor() as cursor:
        on_table = f" ON {table}" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER {name}{on_table}")


def _play() -> History:
    server = baker.make(Server)
    started = dt.datetime(2024, 5, 1, 20, 0, tzinfo=dt.UTC)
    return History.objects.create(
        server=server, started=started, stopped=started + dt.timedelta(minutes=30)
    )


def _queued_after_an_update(play: History) -> bool:
    HistoryGroupDirty.objects.all().delete()
    History.objects.filter(pk=play.pk).update(paused_counter=5)
    return HistoryGroupDirty.objects.filter(reference_id=play.pk).exists()


def test_the_migrated_database_has_every_trigger_and_the_check_is_clean():
    assert len(trigger_names()) == 9
    assert missing_triggers(connection) == []
    assert _database_errors() == []


def test_a_dropped_trigger_is_reported_then_installing_again_clears_it():
    play = _play()
    _drop(UPDATE_TRIGGER, "history_history")
    assert missing_triggers(connection) == [UPDATE_TRIGGER]
    (error,) = _database_errors()
    assert error.level == checks.ERROR and UPDATE_TRIGGER in error.msg
    assert "install_history_triggers" in error.hint
    assert not _queued_after_an_update(play)  # the gap the check reports

    install_triggers(connection)
    assert missing_triggers(connection) == []
    assert _database_errors() == []
    assert _queued_after_an_update(play)


def test_installing_twice_is_harmless():
    play = _play()
    install_triggers(connection)
    install_triggers(connection)
    assert missing_triggers(connection) == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                ["%_group_dirty_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["%_group_dirty_%"],
            )
        assert sorted(row[0] for row in cursor.fetchall()) == sorted(trigger_names())
    # Each change queues its play once, as before.
    assert _queued_after_an_update(play)
    assert HistoryGroupDirty.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite cannot disable a trigger")
def test_a_disabled_trigger_counts_as_missing():
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE history_history DISABLE TRIGGER {UPDATE_TRIGGER}")
    assert missing_triggers(connection) == [UPDATE_TRIGGER]
    install_triggers(connection)
    assert missing_triggers(connection) == []


def test_nothing_is_checked_before_the_migration_that_installs_the_triggers(monkeypatch):
    _drop(UPDATE_TRIGGER, "history_history")
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", lambda self: {})
    assert history_checks.check_history_triggers(databases=["default"]) == []
    assert history_checks.check_history_triggers(databases=None) == []


def test_the_command_reinstalls_and_queues_every_play():
    plays = [_play(), _play()]
    _drop(UPDATE_TRIGGER, "history_history")
    HistoryGroupDirty.objects.all().delete()
    out = io.StringIO()
    call_command("install_history_triggers", stdout=out)
    assert f"missing before: {UPDATE_TRIGGER})" in out.getvalue()
    assert missing_triggers(connection) == []
    assert set(HistoryGroupDirty.objects.values_list("reference_id", flat=True)) == {
        play.pk for play in plays
    }
    queue_every_play(connection)  # keys already queued stay, once
    assert HistoryGroupDirty.objects.count() == 2
