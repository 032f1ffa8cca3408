"""A server that stays unusable is logged once per change of state, not on every /api/v2 call
(get_activity is polled every few seconds by dashboards and Tautulli Remote)."""

import pytest
from model_bakery import baker

import plex.activity.apiv2_activity  # noqa: F401  (registers the commands)
import plex.apiv2_media  # noqa: F401
from plex.testing import FakePlexServer
from servers.models import Server

pytestmark = pytest.mark.django_db

TOKEN = "noise-token"


def _warnings(caplog, text: str) -> int:
    return sum(1 for r in caplog.records if r.levelname == "WARNING" and text in r.getMessage())


def test_get_activity_without_url_warns_once_then_again_after_recovery(call_api, caplog):
    server = baker.make(Server, name="Attic", url="", token=TOKEN)
    for _ in range(20):
        assert call_api("get_activity")[1]["response"]["data"] == {}
    assert _warnings(caplog, "No URL is set for server 'Attic'") == 1

    with FakePlexServer(token=TOKEN) as pms:
        Server.objects.filter(pk=server.pk).update(url=pms.url)
        for _ in range(3):
            assert call_api("get_activity")[1]["response"]["data"]["stream_count"] == "0"
    assert _warnings(caplog, "get_activity") == 1

    Server.objects.filter(pk=server.pk).update(url="")
    for _ in range(20):
        call_api("get_activity")
    assert _warnings(caplog, "No URL is set for server 'Attic'") == 2


def test_media_commands_of_an_unusable_server_warn_once_each(call_api, caplog):
    baker.make(Server, name="Attic", url="", token=TOKEN)
    for _ in range(10):
        call_api("get_metadata", rating_key=1)
        call_api("get_recently_added", count=5)
    assert _warnings(caplog, "get_metadata: Attic is unavailable") == 1
    assert _warnings(caplog, "get_recently_added: Attic is unavailable") == 1


def test_an_image_plex_does_not_have_is_no_warning(call_api, caplog):
    """A client asking for an image PMS has not got (HTTP 404) is the client's mistake: the
    answer says so, the log stays quiet however often it asks."""
    with FakePlexServer(token=TOKEN) as pms:
        baker.make(Server, name="Attic", url=pms.url, token=TOKEN)
        for _ in range(5):
            status, body = call_api("pms_image_proxy", img="/library/metadata/404404/thumb")
            assert status == 400
            assert "Unable to retrieve the image" in body["response"]["message"]
    assert _warnings(caplog, "pms_image_proxy") == 0
