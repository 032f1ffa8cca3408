"""Verification (a damaged copy fires on_plexpydbcorrupt), retention, restore refusals, the
schedule, the commands, the admin and /api/v2; the secret key never in an answer or a log."""

import datetime as dt
import gzip
import io
import json
import tarfile

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from model_bakery import baker

from backups import postgres
from backups.models import Backup
from backups.service import apply_retention, backup_config, backup_database, backup_path
from backups.status import last_backup
from notifications.models import NotifyLog
from notifications.notifiers import add_notifier, set_notifier_config
from notifications.testing import HttpReceiver, run_queued_tasks
from servers.models import Server

from .conftest import SECRET

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("needs_pg_tools")]

APPRISE_AGENT = 100


@pytest.fixture
def http_receiver():
    with HttpReceiver() as receiver:
        yield receiver


def damage(backup: Backup, monkeypatch):
    """SQLite: flip bytes in the middle of the copy; PostgreSQL: drop a table in the scratch
    restore (the hook called before counting)."""
    path = backup_path(backup)
    if backup.engine == "sqlite":
        raw = bytearray(gzip.decompress(path.read_bytes()))
        for offset in range(4096 * 2, len(raw), 4096):
            raw[offset + 8 : offset + 40] = b"\xff" * 32
        path.write_bytes(gzip.compress(bytes(raw)))
        return
    import psycopg

    def drop_a_table(params):
        with psycopg.connect(**params, autocommit=True) as scratch:
            scratch.execute("DROP TABLE django_content_type CASCADE")

    monkeypatch.setattr(postgres, "after_scratch_restore", drop_a_table)


def test_a_damaged_copy_fails_verification_and_notifies(http_receiver, monkeypatch):
    baker.make(Server, name="Home", url="http://127.0.0.1:32400")
    notifier = add_notifier(APPRISE_AGENT)
    set_notifier_config(
        notifier,
        {
            "apprise_urls": f"json://{http_receiver.host}:{http_receiver.port}/",
            "on_plexpydbcorrupt": "1",
        },
    )
    backup = backup_database("command", verify=False)
    damage(backup, monkeypatch)
    from backups.service import verify_database_backup

    verify_database_backup(backup)
    backup.refresh_from_db()
    assert backup.verified is False
    assert backup.verification["mismatches"]
    run_queued_tasks()
    log = NotifyLog.objects.get()
    assert log.notify_action == "on_plexpydbcorrupt" and log.success
    assert http_receiver.requests, "the notifier was called"


def test_a_sound_backup_is_verified_and_is_the_last_backup():
    backup = backup_database("schedule")
    assert backup.verified is True
    assert backup.verification["integrity"] == "ok"
    assert all(t["source"] == t["copy"] for t in backup.verification["tables"].values())
    assert last_backup() == backup
    assert last_backup("config") is None


def make_backup(tmp_settings_dir, days_ago, verified=True, error=""):
    started = timezone.now() - dt.timedelta(days=days_ago)
    name = f"tautulli-database-{days_ago:03d}.sqlite3.gz" if not error else ""
    if name:
        (tmp_settings_dir / name).write_bytes(b"x")
    return Backup.objects.create(
        kind="database",
        started_at=started,
        finished_at=started,
        file_name=name,
        verified=verified if not error else None,
        error=error,
    )


def test_retention_keeps_the_last_n_and_the_newest_verified(settings):
    folder = settings.BACKUP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    settings.BACKUP_KEEP = 2
    old_verified = make_backup(folder, 10, verified=True)
    oldest = make_backup(folder, 11, verified=True)
    failed_old = make_backup(folder, 12, error="disk full")
    newer = [make_backup(folder, days, verified=False) for days in (3, 2, 1)]
    deleted = apply_retention("database")
    assert set(deleted) == {newer[0].pk, oldest.pk, failed_old.pk}
    kept = set(Backup.objects.values_list("pk", flat=True))
    assert kept == {old_verified.pk, newer[1].pk, newer[2].pk}
    assert not (folder / oldest.file_name).exists()
    assert (folder / old_verified.file_name).exists()


def test_retention_by_age(settings):
    folder = settings.BACKUP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    settings.BACKUP_KEEP, settings.BACKUP_KEEP_DAYS = 0, 5
    rows = [make_backup(folder, days) for days in (1, 4, 6, 9)]
    assert set(apply_retention("database")) == {rows[2].pk, rows[3].pk}
    settings.BACKUP_KEEP_DAYS = 0
    assert apply_retention("database") == []  # both rules off: nothing deleted


def test_restore_refuses_a_non_empty_database_and_other_files(settings):
    backup = backup_database("command", verify=False)
    config = backup_config("command")
    baker.make(Server, name="Home", url="http://127.0.0.1:32400")
    with pytest.raises(CommandError, match="not empty .*--force"):
        call_command("restore", str(backup_path(backup)))
    assert Server.objects.count() == 1
    with pytest.raises(CommandError, match="configuration backup: restore it with --config"):
        call_command("restore", str(backup_path(config)))
    with pytest.raises(CommandError, match="no file"):
        call_command("restore", "/nonexistent/backup.sqlite3.gz")


def test_config_backup_holds_the_secret_key_and_restores_into_data_dir(settings):
    config = backup_config("command")
    assert config.verified is True
    with tarfile.open(backup_path(config)) as archive:
        assert sorted(archive.getnames()) == ["manifest.json", "secret_key"]
        assert archive.extractfile("secret_key").read().decode() == SECRET
    (settings.DATA_DIR / "secret_key").write_text("another key")
    with pytest.raises(CommandError, match="other content: use --force"):
        call_command("restore", str(backup_path(config)), "--config")
    call_command("restore", str(backup_path(config)), "--config", "--force")
    assert (settings.DATA_DIR / "secret_key").read_text() == SECRET


def test_backup_command_prints_where_and_how_big(capsys, settings):
    call_command("backup")
    out = capsys.readouterr().out
    assert str(settings.BACKUP_DIR) in out and "Verified" in out
    call_command("backup", "--config")
    assert "tautulli-config-" in capsys.readouterr().out
    settings.BACKUP_DIR = settings.DATA_DIR / "secret_key"  # a file: cannot be a folder
    with pytest.raises(CommandError) as failure:
        call_command("backup", "--no-verify")
    assert str(failure.value).startswith("Backup failed: ") and "\n" not in str(failure.value)


def test_the_schedule_exists_with_the_default_cron():
    schedule = Schedule.objects.get(name="backups: database")
    assert (schedule.func, schedule.cron) == ("backups.tasks.scheduled_backup", "0 3 * * *")
    from backups.tasks import scheduled_backup

    assert scheduled_backup()["verified"] is True


# --- admin --------------------------------------------------------------------------------


def test_admin_list_marks_a_failed_verification_and_filters_it(admin_client):
    good = backup_database("admin")
    Backup.objects.create(
        kind="database",
        started_at=timezone.now(),
        file_name="",
        verified=False,
        verification={"mismatches": ["history_history: source 5, copy 3"]},
    )
    page = admin_client.get("/admin/backups/backup/").content.decode()
    assert "backup-verification-failed" in page and "FAILED" in page
    assert "Download" in page and SECRET not in page
    filtered = admin_client.get("/admin/backups/backup/?verification=failed").content.decode()
    assert "backup-verification-failed" in filtered and good.file_name not in filtered


def test_download_needs_the_permission(client, django_user_model):
    backup = backup_database("admin", verify=False)
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_backup"))
    client.force_login(staff)
    url = f"/admin/backups/backup/{backup.pk}/download/"
    assert client.get(url).status_code == 403
    assert "Download" not in client.get("/admin/backups/backup/").content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="download_backup"))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == backup_path(backup).read_bytes()
    assert backup.file_name in response["Content-Disposition"]
    Backup.objects.filter(pk=backup.pk).update(file_name="../data/secret_key")
    assert client.get(url).status_code == 404  # only a name inside BACKUP_DIR


def test_back_up_now_queues_a_task(admin_client):
    response = admin_client.get("/admin/backups/backup/back-up-database/")
    assert response.status_code == 302
    assert OrmQ.objects.count() == 1
    run_queued_tasks()
    assert Backup.objects.get().trigger == "admin"


# --- /api/v2 ------------------------------------------------------------------------------


def test_api_backup_commands_answer_tautulli_messages(call_api, caplog):
    caplog.set_level("DEBUG")
    status, body = call_api("backup_db")
    assert (status, body["response"]["message"]) == (200, "Database backup successful.")
    status, body = call_api("backup_config")
    assert (status, body["response"]["message"]) == (200, "Config backup successful.")
    assert Backup.objects.filter(trigger="api").count() == 2
    assert SECRET not in caplog.text
    assert SECRET not in json.dumps(call_api("docs")[1])


def test_api_downloads_stream_a_fresh_copy(client, api_key, caplog):
    caplog.set_level("DEBUG")
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "download_database"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if connection.vendor == "sqlite":
        assert gzip.decompress(content).startswith(b"SQLite format 3\x00")
    else:
        assert content.startswith(b"PGDMP")
    assert "attachment" in response["Content-Disposition"]
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "download_config"})
    with tarfile.open(fileobj=io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert "secret_key" in archive.getnames()
    assert not Backup.objects.exists()  # downloads are not listed backups
    assert SECRET not in caplog.text
