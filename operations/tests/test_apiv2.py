"""/api/v2 maintenance commands: settings, caches, restart/update answers and sql."""

import json

import pytest
from django.core.cache import cache, caches
from model_bakery import baker

from servers.models import Server


def test_get_settings_sections_without_secrets(call_api, settings):
    settings.NEWSLETTER_PASSWORD = "letmein-newsletter"
    baker.make(Server, name="Home", token="plex-secret-token", url="http://10.0.0.2:32400")
    status, body = call_api("get_settings")
    assert status == 200
    data = body["response"]["data"]
    assert {"General", "Monitoring", "Newsletter", "Advanced", "PMS"} <= set(data)
    assert data["Monitoring"]["movie_watched_percent"] == 85
    assert data["Monitoring"]["watched_marker"] == 3
    assert data["General"]["api_sql"] == 0
    assert data["PMS"]["pms_name"] == "Home"
    text = json.dumps(body)
    for secret in ("plex-secret-token", "letmein-newsletter", settings.TAUTULLI_API_KEY):
        assert secret not in text
    assert "api_key" not in data["General"] and "pms_token" not in data["PMS"]

    _, body = call_api("get_settings", key="general")
    assert body["response"]["data"]["log_dir"].endswith("logs")
    status, body = call_api("get_settings", key="nope")
    assert status == 400 and body["response"]["result"] == "error"


def test_delete_image_cache_and_delete_cache(call_api):
    cache.set("pms_image_proxy:abc", (b"img", "image/png"))
    cache.set("registration:token", True)
    caches["stats"].set("home", 1)
    status, body = call_api("delete_image_cache")
    assert status == 200 and body["response"]["result"] == "success"
    assert "1 images" in body["response"]["message"]
    assert cache.get("pms_image_proxy:abc") is None
    assert cache.get("registration:token") is True
    assert caches["stats"].get("home") == 1

    cache.set("pms_image_proxy:def", (b"img", "image/png"))
    status, body = call_api("delete_cache")
    assert body["response"] == {"result": "success", "message": "Cleared the cache.", "data": {}}
    assert cache.get("pms_image_proxy:def") is None and caches["stats"].get("home") is None
    assert cache.get("registration:token") is True


def test_delete_lookup_info_restart_update_check_answer_truthfully(call_api):
    status, body = call_api("delete_lookup_info", rating_key=1, delete_all=1)
    assert status == 200 and "No lookup info" in body["response"]["message"]
    status, body = call_api("restart")
    assert status == 400 and body["response"]["result"] == "error"
    assert "docker restart" in body["response"]["message"]
    status, body = call_api("update_check")
    assert status == 400 and body["response"]["data"] == {"update": None}
    assert "docker pull" in body["response"]["message"]
    status, body = call_api("update")
    assert status == 400 and "not supported" in body["response"]["message"]
    assert "docker pull" in body["response"]["message"]


def test_sql_is_off_by_default(call_api):
    status, body = call_api("sql", query="SELECT 1 AS one")
    assert status == 400
    assert body["response"]["message"] == "SQL not enabled for the API."


@pytest.mark.django_db(transaction=True)
def test_sql_answers_a_select_when_enabled(call_api, settings):
    settings.API_SQL_ENABLED = True
    settings.API_SQL_MAX_ROWS = 2
    from history.models import History

    status, body = call_api("sql", query="SELECT 1 AS one")
    assert status == 200 and body["response"]["data"] == [{"one": 1}]
    table = History._meta.db_table
    _, body = call_api("sql", query=f"SELECT count(*) AS n FROM {table};")
    assert body["response"]["data"] == [{"n": 0}]
    _, body = call_api("sql", query="WITH t AS (SELECT 2 AS n) SELECT n FROM t")
    assert body["response"]["data"] == [{"n": 2}]
    _, body = call_api("sql", query="SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3")
    assert len(body["response"]["data"]) == 2  # API_SQL_MAX_ROWS


WRITES = [
    "INSERT INTO servers_session (id) VALUES (1)",
    "SELECT 1; DELETE FROM history_history",
    "SELECT 1; DROP TABLE history_history",
    "DELETE FROM history_history",
    "UPDATE plex_server SET name = 'x'",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA query_only = OFF",
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "CREATE TABLE x (a int)",
    "VACUUM",
    "SELECT token FROM plex_server",
    "SELECT * FROM core_apikey",
    "SELECT config FROM notifications_notifier",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", WRITES)
def test_sql_refuses_writes_and_secrets_even_when_enabled(call_api, settings, query):
    settings.API_SQL_ENABLED = True
    before = Server.objects.count()
    status, body = call_api("sql", query=query)
    assert status == 400, body
    assert body["response"]["result"] == "error"
    assert Server.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_sql_runs_on_a_read_only_connection(settings):
    """Even a write that got past the text checks fails on the connection itself."""
    from core.errors import InvalidInput
    from operations import sqlquery

    settings.API_SQL_ENABLED = True
    runner = (
        sqlquery._run_sqlite
        if sqlquery.connection.vendor == "sqlite"
        else (sqlquery._run_postgresql)
    )
    with pytest.raises(InvalidInput, match="SQL error"):
        runner("DELETE FROM plex_server", 10, 5)
    with pytest.raises(InvalidInput, match="SQL error"):
        runner("CREATE TABLE evil (a int)", 10, 5)
