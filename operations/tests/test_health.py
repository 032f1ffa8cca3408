"""/health for uptime monitors, and the staff health report (admin page and JSON)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from model_bakery import baker

from backups.models import Backup
from plex.monitor import Monitor, read_heartbeat
from servers.models import Server


@pytest.mark.django_db
def test_health_answers_200_when_the_database_answers(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_cannot_be_reached(
    client, django_db_setup, django_db_blocker
):
    """A real failure: the connection is closed and its settings point at a database that does
    not exist, so reconnecting fails."""
    with django_db_blocker.unblock():
        saved = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = (
            "/nonexistent/dir/db.sqlite3" if connection.vendor == "sqlite" else "no_such_db_x"
        )
        try:
            response = client.get("/health")
        finally:
            connection.close()
            connection.settings_dict["NAME"] = saved
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health/report", "/admin/health/"])
def test_report_is_refused_to_anonymous_and_non_staff(client, django_user_model, path):
    assert client.get(path).status_code in (302, 403)
    user = django_user_model.objects.create_user("viewer", password="pw")
    client.force_login(user)
    response = client.get(path)
    assert response.status_code in (302, 403)
    assert b"Database engine" not in response.content


def _check(body, key):
    return next(item for item in body["checks"] if item["key"] == key)


@pytest.mark.django_db
def test_report_shows_each_item(staff_client):
    server = baker.make(Server, name="Home", url="http://127.0.0.1:1", is_active=True)
    baker.make(
        Backup,
        kind=Backup.DATABASE,
        file_name="db-1.sqlite3",
        size=4096,
        started_at=timezone.now() - dt.timedelta(hours=3),
        finished_at=timezone.now() - dt.timedelta(hours=3),
        verified=True,
    )
    Monitor(reload_seconds=30).beat()  # a monitor process with no thread yet

    body = staff_client.get("/health/report").json()

    assert [c["key"] for c in body["checks"]] == [
        "database",
        "database_size",
        "cache",
        "disk",
        "task_cluster",
        "task_queue",
        "monitor",
        "backup",
    ]
    assert _check(body, "database")["status"] == "ok"
    size = _check(body, "database_size")["details"]
    assert size["engine"] == connection.vendor and size["size"] > 0
    disk = _check(body, "disk")["details"]
    assert disk["free"] > 0 and disk["total"] >= disk["free"]
    # No qcluster runs in the tests: no heartbeat.
    assert _check(body, "task_cluster")["status"] == "error"
    assert _check(body, "task_queue")["details"] == {
        "queued": 0,
        "failed_24h": 0,
        "last_failures": [],
    }
    monitor = _check(body, "monitor")
    assert monitor["details"]["alive"] is True
    assert monitor["details"]["servers"][0]["name"] == server.name
    assert monitor["status"] == "warning"  # its websocket is not open
    backup = _check(body, "backup")
    assert backup["status"] == "ok"
    assert backup["details"]["backup"]["age"] == 3 * 3600
    assert backup["details"]["backup"]["verified"] is True
    assert body["status"] == "error"

    page = staff_client.get("/admin/health/")
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("Database engine and size", "Disk space", "Task cluster", "Plex monitor"):
        assert label in text
    assert "db-1.sqlite3" in text and "Home" in text


@pytest.mark.django_db
def test_report_flags_a_stopped_monitor_and_an_unverified_old_backup(staff_client):
    baker.make(Server, name="Home", url="http://127.0.0.1:1", is_active=True)
    baker.make(
        Backup,
        kind=Backup.DATABASE,
        started_at=timezone.now() - dt.timedelta(days=3),
        finished_at=timezone.now() - dt.timedelta(days=3),
        verified=False,
    )
    body = staff_client.get("/health/report").json()
    assert _check(body, "monitor")["status"] == "error"
    assert "not running" in _check(body, "monitor")["message"]
    assert _check(body, "backup")["status"] == "warning"
    assert "verification" in _check(body, "backup")["message"]


@pytest.mark.django_db
def test_a_failed_task_warns(staff_client):
    from django_q.models import Failure

    baker.make(
        Failure,
        name="sync",
        func="plex.tasks.sync",
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    check = _check(staff_client.get("/health/report").json(), "task_queue")
    assert check["status"] == "warning"
    assert check["details"]["failed_24h"] == 1


@pytest.mark.django_db
def test_monitor_heartbeat_is_removed_on_a_clean_stop():
    monitor = Monitor(reload_seconds=30)
    monitor.beat()
    assert read_heartbeat()["servers"] == {}
    monitor.shutdown()
    assert read_heartbeat() is None
