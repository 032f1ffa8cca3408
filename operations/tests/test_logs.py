"""The application log file, the admin's log viewer and /api/v2 get_logs / download_log."""

import logging

import pytest

from operations import logs


def _write(app_log):
    logging.getLogger("plex.monitor").info("Monitoring Home (http://10.0.0.2:32400).")
    logging.getLogger("plex.monitor").warning("Home: websocket error: ConnectionRefused")
    logging.getLogger("history.writer").info("GET /api/v2?apikey=supersecretkey123&cmd=x")
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("notifications.tasks").exception("Delivery failed")
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_the_file_is_written_in_tautullis_format_without_secrets(app_log):
    _write(app_log)
    text = app_log.read_text()
    assert "supersecretkey123" not in text
    assert "apikey=<redacted>" in text
    records = list(logs.entries())
    assert [r["loglevel"] for r in records] == ["ERROR", "INFO", "WARNING", "INFO"]
    assert records[0]["logger"] == "notifications.tasks"
    assert "Traceback" in records[0]["msg"] and "ValueError: broken" in records[0]["msg"]


def test_reading_backwards_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "BLOCK", 7)
    path = tmp_path / "x.log"
    lines = [f"2026-11-22 10:30:{i:02d} - INFO    :: Main : app: line {i}" for i in range(30)]
    path.write_text("\n".join(lines) + "\n")
    assert [r["msg"] for r in logs.entries([path])] == [f"line {i}" for i in reversed(range(30))]


@pytest.mark.django_db
def test_log_viewer_filters_searches_and_pages(app_log, staff_client, monkeypatch):
    _write(app_log)
    page = staff_client.get("/admin/logs/").content.decode()
    assert page.index("Delivery failed") < page.index("Monitoring Home")  # newest first
    warning = staff_client.get("/admin/logs/", {"level": "WARNING"}).content.decode()
    assert "websocket error" in warning and "Delivery failed" in warning
    assert "Monitoring Home" not in warning
    found = staff_client.get("/admin/logs/", {"q": "MONITORING home"}).content.decode()
    assert "Monitoring Home" in found and "Delivery failed" not in found

    monkeypatch.setattr("operations.views.PER_PAGE", 1)
    second = staff_client.get("/admin/logs/", {"page": 2}).content.decode()
    assert "apikey=&lt;redacted&gt;" in second and "Delivery failed" not in second
    assert "page=3" in second and "page=1" in second

    download = staff_client.get("/admin/logs/", {"download": 1})
    assert b"Monitoring Home" in b"".join(download.streaming_content)


@pytest.mark.django_db
def test_log_viewer_is_staff_only(client, django_user_model):
    assert client.get("/admin/logs/").status_code == 302
    client.force_login(django_user_model.objects.create_user("u", password="pw"))
    assert client.get("/admin/logs/").status_code in (302, 403)


def test_get_logs_shape_and_filters(app_log, call_api):
    _write(app_log)
    status, body = call_api("get_logs")
    assert status == 200
    data = body["response"]["data"]
    assert set(data[0]) == {"time", "loglevel", "msg", "thread"}
    assert data[0]["msg"].startswith("notifications.tasks: Delivery failed")
    assert data[0]["thread"] == "MainThread"
    _, body = call_api("get_logs", order="asc")
    assert body["response"]["data"][0]["msg"].startswith("plex.monitor: Monitoring Home")
    _, body = call_api("get_logs", search="websocket")
    assert [d["loglevel"] for d in body["response"]["data"]] == ["WARNING"]
    _, body = call_api("get_logs", regex=r"monitoring \w+ \(")
    assert len(body["response"]["data"]) == 1
    _, body = call_api("get_logs", start=1, end=3)
    assert [d["loglevel"] for d in body["response"]["data"]] == ["INFO", "WARNING"]
    _, body = call_api("get_logs", sort="loglevel")
    assert [d["loglevel"] for d in body["response"]["data"]] == ["ERROR", "INFO", "INFO", "WARNING"]
    status, body = call_api("get_logs", regex="(")
    assert status == 400 and body["response"]["result"] == "error"


def test_download_log_streams_the_file(app_log, client, api_key):
    _write(app_log)
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "download_log"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="tautulli.log"'
    assert b"Monitoring Home" in b"".join(response.streaming_content)
