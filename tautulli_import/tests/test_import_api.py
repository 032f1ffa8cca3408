"""/api/v2 import_database and import_config, and ``manage.py import_tautulli --config``."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django_q.models import OrmQ

from core.config import monitoring_value
from core.models import ApiKey, MonitoringSettings
from history.models import History
from servers.models import Server
from tautulli_import.tasks import import_database

TOKEN = "pLeXt0kEn-SECRET-123"
NEW_API_KEY = "0123456789abcdef0123456789abcdef"

CONFIG_INI = f"""[General]
first_run_complete = 1
api_enabled = 1
api_key = {NEW_API_KEY}
allow_guest_access = 1
http_port = 8181
[PMS]
pms_identifier = 9f2c1e7d0b
pms_ip = 192.168.1.10
pms_port = 32400
pms_ssl = 0
pms_token = {TOKEN}
pms_url = http://192.168.1.10:32400
pms_url_manual = 0
pms_name = Winterfell
pms_logs_folder = ""
[Monitoring]
movie_watched_percent = 90
tv_watched_percent = 80
music_watched_percent = 70
watched_marker = 1
logging_ignore_interval = 60
notify_concurrent_threshold = 3
notify_concurrent_by_ip = 1
notify_recently_added_delay = 120
notify_group_recently_added_grandparent = 0
notify_group_recently_added_parent = 1
[Newsletter]
newsletter_dir = ""
"""


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.ini"
    path.write_text(CONFIG_INI)
    return path


def check_imported(body):
    server = Server.objects.get(machine_identifier="9f2c1e7d0b")
    assert server.name == "Winterfell" and server.token == TOKEN
    assert server.url == "http://192.168.1.10:32400"
    settings = MonitoringSettings.objects.get()
    assert settings.movie_watched_percent == 90 and settings.watched_marker == 1
    assert settings.notify_concurrent_by_ip is True
    assert settings.notify_group_recently_added_grandparent is False
    assert monitoring_value("TV_WATCHED_PERCENT") == 80
    assert settings.allow_guest_access is True  # [General] allow_guest_access
    assert ApiKey.current() == NEW_API_KEY
    assert TOKEN not in str(body) and NEW_API_KEY not in str(body)


def test_import_config_by_path(db, call_api, config_path):
    status, body = call_api("import_config", config_path=str(config_path))
    assert status == 200, body
    response = body["response"]
    assert response["result"] == "success" and response["message"] == "Config imported."
    assert response["data"]["server_created"] is True and response["data"]["api_key"] is True
    assert "MOVIE_WATCHED_PERCENT" in response["data"]["settings"]
    check_imported(body)


def test_import_config_updates_an_existing_server(db, call_api, config_path):
    Server.objects.create(name="Old name", machine_identifier="9f2c1e7d0b", token="old")
    call_api("import_config", config_path=str(config_path))
    assert Server.objects.count() == 1
    assert Server.objects.get().token == TOKEN


def test_import_config_upload(db, client, api_key):
    upload = SimpleUploadedFile("config.ini", CONFIG_INI.encode())
    response = client.post(
        "/api/v2", {"apikey": api_key, "cmd": "import_config", "config_file": upload}
    )
    assert response.status_code == 200, response.content
    check_imported(response.content.decode())


@pytest.mark.parametrize("content", ["not an ini", "[Other]\nx = 1\n", "\x00\x01garbage"])
def test_import_config_refuses_what_is_not_a_config(db, call_api, tmp_path, content):
    path = tmp_path / "bad.ini"
    path.write_text(content)
    status, body = call_api("import_config", config_path=str(path))
    assert status == 400 and body["response"]["result"] == "error"
    assert not Server.objects.exists() and not MonitoringSettings.objects.exists()


def test_import_config_without_a_file(db, call_api):
    status, body = call_api("import_config")
    assert status == 400 and body["response"]["message"] == "No config specified for import"
    status, body = call_api("import_config", config_path="/no/such/config.ini")
    assert status == 400


def test_manage_import_tautulli_config(db, config_path, capsys):
    call_command("import_tautulli", config=str(config_path))
    out = capsys.readouterr().out
    assert "Winterfell" in out and TOKEN not in out
    check_imported("")


def test_manage_import_tautulli_needs_something(db):
    with pytest.raises(CommandError):
        call_command("import_tautulli")


def test_import_database_is_checked_then_queued(db, call_api, make_tautulli_db):
    path = make_tautulli_db(history_rows=200, users=3)
    status, body = call_api(
        "import_database", app="tautulli", database_path=str(path), method="merge"
    )
    assert status == 200, body
    assert body["response"]["message"] == (
        "Database import has started. Check the logs to monitor any problems."
    )
    task = OrmQ.objects.get()
    assert task.func() == "tautulli_import.tasks.import_database"
    result = import_database(*task.args())  # what the cluster runs
    assert result["added"] > 0
    assert History.objects.count() == 200


def test_import_database_upload_is_imported_and_removed(db, client, api_key, make_tautulli_db):
    path = make_tautulli_db(history_rows=200, users=3)
    upload = SimpleUploadedFile("tautulli.db", path.read_bytes())
    response = client.post(
        "/api/v2",
        {"apikey": api_key, "cmd": "import_database", "app": "tautulli", "database_file": upload},
    )
    assert response.status_code == 200, response.content
    cached, delete_after = OrmQ.objects.get().args()
    assert delete_after is True
    import_database(cached, delete_after)
    assert History.objects.count() == 200
    from pathlib import Path

    assert not Path(cached).exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "No app specified for import"),
        ({"app": "other", "database_path": "x"}, "App not recognized for import"),
        ({"app": "tautulli"}, "No database specified for import"),
    ],
)
def test_import_database_refuses(db, call_api, params, message):
    status, body = call_api("import_database", **params)
    assert status == 400 and body["response"]["message"] == message
    assert not OrmQ.objects.exists()


def test_import_database_refuses_a_file_that_is_not_tautullis(db, call_api, config_path):
    status, body = call_api("import_database", app="tautulli", database_path=str(config_path))
    assert status == 400 and body["response"]["result"] == "error"
    assert not OrmQ.objects.exists()
