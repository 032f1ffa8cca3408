"""Plex server tools over /api/v2 (plex.apiv2_server_tools): get_server_pref, get_pms_update,
get_plex_log, download_plex_log, get_synced_items and delete_synced_item, through the fake PMS
and a fake plex.tv (real plexapi / requests, real HTTP; routes of plex.testing.server_tools),
compared with Tautulli v2.17.2's captures where there are some (tautulli-dart/plex, /log).
"""

import json
import socket

import pytest
from model_bakery import baker

from conftest import load_fixture
from plex.testing import FakePlexServer
from plex.testing.server_tools import SyncedItem, add_log_zip, add_sync_lists, captured_log_lines
from servers.models import Server
from users.models import User

TOKEN = "secret-plex-token"

pytestmark = pytest.mark.django_db


def captured(relative):
    return load_fixture(relative)["response"]["data"]


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def ok(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    assert body["response"]["result"] == "success", body
    assert TOKEN not in json.dumps(body)
    return body["response"]["data"]


def error(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 400 and body["response"]["result"] == "error", body
    return body["response"]["message"]


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN, name="TestServer") as fake:
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server, name="Fake", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def down():
    return baker.make(
        Server, name="Down", url=closed_port_url(), token=TOKEN, machine_identifier="x"
    )


# --- get_server_pref ----------------------------------------------------------------------------


def test_get_server_pref_answers_the_value_as_pms_writes_it(call_api, server, pms):
    pms.prefs["FriendlyName"] = "TestServer"
    assert ok(call_api, "get_server_pref", pref="FriendlyName") == captured(
        "tautulli-dart/plex/get_server_pref.json"
    )
    pms.prefs["ButlerUpdateChannel"] = "8"
    assert ok(call_api, "get_server_pref", pref="ButlerUpdateChannel") == "8"
    assert "no preference named 'NoSuchPref'" in error(
        call_api, "get_server_pref", pref="NoSuchPref"
    )
    assert error(call_api, "get_server_pref") == "Parameter pref is required"


def test_get_server_pref_with_pms_down_is_empty(call_api, down):
    assert ok(call_api, "get_server_pref", pref="FriendlyName") == ""


# --- get_pms_update -----------------------------------------------------------------------------


def test_get_pms_update_keys_and_types_as_the_capture(call_api, server, pms):
    capture = captured("tautulli-dart/plex/get_pms_update.json")
    pms.update = {
        "key": "https://plex.tv/updater/releases/1",
        "version": "9.99.0.1-abcdef",
        "added": capture["changelog_added"],
        "fixed": capture["changelog_fixed"],
        "downloadURL": capture["download_url"],
        "state": "notify",
    }
    data = ok(call_api, "get_pms_update")
    assert set(data) == set(capture)
    assert data["update_available"] is True
    assert data["version"] == "9.99.0.1-abcdef"
    assert data["changelog_added"] == capture["changelog_added"]
    assert data["download_url"] == capture["download_url"]
    assert data["platform"]  # PMS's own platform, from its root
    # PMS's updater does not report these (plex.tv's download list does).
    assert data["release_date"] == data["distro"] == data["label"] == ""
    assert ("PUT", "/updater/check") in {(r.method, r.path) for r in pms.requests}


def test_get_pms_update_without_a_newer_release(call_api, server, pms):
    pms.update = None
    data = ok(call_api, "get_pms_update")
    assert data["update_available"] is False
    assert data["version"] == pms.version
    assert data["download_url"] == data["changelog_added"] == ""


def test_get_pms_update_with_pms_down_is_empty(call_api, down):
    assert ok(call_api, "get_pms_update") == {}


# --- Plex logs ----------------------------------------------------------------------------------


@pytest.fixture
def logs(pms):
    lines = captured_log_lines(pms)
    files = {
        "Plex Media Server.log": "".join(lines) + "not a PMS line\n",
        "Plex Media Server.1.log": "Jan 01, 2026 00:00:00.000 [1] INFO - old\n",
        "Plex Media Scanner.log": "Jul 04, 2026 10:00:00.000 [7] DEBUG - Scanning\n",
    }
    add_log_zip(pms, files)
    return files


def test_get_plex_log_rows_as_the_capture(call_api, server, logs):
    capture = captured("tautulli-dart/log/get_plex_log.json")["data"]
    data = ok(call_api, "get_plex_log", window=len(capture) + 1)["data"]
    assert data[:-1] == capture
    assert data[-1] == ["", "", "Unable to parse log line."]
    # window: the last lines only, oldest first.
    assert ok(call_api, "get_plex_log", window=3)["data"][:2] == capture[-2:]


def test_get_plex_log_other_files(call_api, server, logs):
    rows = [["Jul 04, 2026 10:00:00.000", "DEBUG", "Scanning\n"]]
    assert ok(call_api, "get_plex_log", log_type="scanner")["data"] == rows
    assert ok(call_api, "get_plex_log", logfile="Plex Media Scanner")["data"] == rows
    assert ok(call_api, "get_plex_log", logfile="Plex Media Server.1")["data"][0][2] == "old\n"
    message = error(call_api, "get_plex_log", logfile="Plex Media Nothing")
    assert message == "Plex log file 'Plex Media Nothing.log' not found."
    assert "not a Plex log file name" in error(call_api, "get_plex_log", logfile="../etc/passwd")
    assert "window" in error(call_api, "get_plex_log", window="0")


def test_get_plex_log_with_pms_down_is_empty(call_api, down):
    assert ok(call_api, "get_plex_log") == {"data": []}


def test_download_plex_log(client, api_key, server, logs):
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "download_plex_log"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-download"
    assert 'filename="Plex Media Server.log"' in response["Content-Disposition"]
    assert response.content.decode() == logs["Plex Media Server.log"]
    response = client.get(
        "/api/v2", {"apikey": api_key, "cmd": "download_plex_log", "log_type": "nothing"}
    )
    assert response.status_code == 400
    assert "Plex Media Nothing.log" in response.json()["response"]["message"]


def test_download_plex_log_with_pms_down_says_why(call_api, down):
    assert "Unable to download the Plex log" in error(call_api, "download_plex_log")


# --- synced items (plex.tv) ---------------------------------------------------------------------


@pytest.fixture
def plextv(settings):
    with FakePlexServer(token=TOKEN, name="plex.tv") as fake:
        settings.PLEX_TV_URL = fake.url
        yield fake


@pytest.fixture
def synced(plextv, server):
    items = [
        SyncedItem(
            sync_id="11617019",
            title="Deadpool",
            uri="library://abc/item/%2Flibrary%2Fmetadata%2F154092",
            user_id="696969",
        ),
        SyncedItem(
            sync_id="11617020",
            title="Road trip",
            uri="playlist://abc/playlist-guid",
            client_id="phone-2",
            device_name="Arya's phone",
            platform="Android",
            user_id="7",
            metadata_type="playlist",
            items=4,
            downloaded=1,
        ),
    ]
    add_sync_lists(plextv, server.machine_identifier, items)
    baker.make(User, user_id=696969, username="DrukenDwarfMan", friendly_name="Dwarf")
    return items


def test_get_synced_items(call_api, synced):
    rows = ok(call_api, "get_synced_items")
    assert [row["sync_title"] for row in rows] == ["Deadpool", "Road trip"]
    first = rows[0]
    assert first == {
        "device_name": "Tyrion's iPad",
        "platform": "iOS",
        "user_id": "696969",
        "user": "Dwarf",
        "username": "DrukenDwarfMan",
        "root_title": "Movies",
        "sync_title": "Deadpool",
        "metadata_type": "movie",
        "content_type": "video",
        "rating_key": "154092",
        "state": "complete",
        "item_count": "1",
        "item_complete_count": "1",
        "item_downloaded_count": "1",
        "item_downloaded_percent_complete": 100,
        "video_bitrate": "4000",
        "audio_bitrate": "192",
        "photo_quality": "74",
        "video_quality": "100",
        "total_size": "560718134",
        "failure": "",
        "client_id": "95434se643fsf24f-com-plexapp-android",
        "sync_id": "11617019",
        "sync_media_type": None,
    }
    second = rows[1]
    assert second["sync_media_type"] == "playlist" and second["rating_key"] is None
    assert second["item_downloaded_percent_complete"] == 25
    assert second["user"] == second["username"] == ""  # no such user here
    assert [row["sync_id"] for row in ok(call_api, "get_synced_items", user_id=7)] == ["11617020"]
    assert ok(call_api, "get_synced_items", machine_id="other-server") == []
    assert "user_id" in error(call_api, "get_synced_items", user_id="abc")


def test_get_synced_items_with_plex_tv_down_is_empty(call_api, server, settings):
    settings.PLEX_TV_URL = closed_port_url()
    assert ok(call_api, "get_synced_items") == []


def test_delete_synced_item(call_api, synced):
    data = call_api("delete_synced_item", client_id="phone-2", sync_id="11617020")
    status, body = data
    assert status == 200
    assert body["response"]["message"] == "Synced item deleted successfully."
    assert [row["sync_id"] for row in ok(call_api, "get_synced_items")] == ["11617019"]
    # Unknown item: plex.tv answers 404, Tautulli's failure message.
    status, body = call_api("delete_synced_item", client_id="phone-2", sync_id="11617020")
    assert status == 400
    assert body["response"]["message"] == "Failed to delete synced item."
    assert error(call_api, "delete_synced_item", client_id="phone-2") == (
        "Missing client ID and sync ID."
    )
    assert "sync_id" in error(call_api, "delete_synced_item", client_id="a", sync_id="1/../2")
    assert "client_id" in error(call_api, "delete_synced_item", client_id="a/b", sync_id="1")


def test_commands_are_documented(call_api, server):
    docs = ok(call_api, "docs")
    for cmd in (
        "get_server_pref",
        "get_pms_update",
        "get_plex_log",
        "download_plex_log",
        "get_synced_items",
        "delete_synced_item",
        "get_geoip_lookup",
        "get_whois_lookup",
    ):
        assert docs[cmd]
