"""Signed image links of the signed-in pages (``/image/<token>``): posters without a token in the
page, for staff and guests, never for anonymous visitors, never for an unsigned path."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from model_bakery import baker

from core.image_links import SALT, image_url
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_image_transcoder
from servers.models import Server

pytestmark = pytest.mark.django_db

TOKEN = "secret-plex-token"
STATIC = Path(__file__).resolve().parents[1] / "static" / "plex"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        fake.png = add_image_transcoder(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server, name="Fake", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def guest(client):
    account = get_user_model().objects.create_user("guest", password="pw")  # not staff
    client.force_login(account)
    return account


def test_a_signed_in_account_gets_the_poster_from_pms_without_the_token(client, guest, server, pms):
    url = image_url(server.pk, "/library/metadata/108/thumb/1590245989", 120, 180)
    assert TOKEN not in url and pms.url not in url
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == pms.png
    assert response["Cache-Control"].startswith("private")
    (asked,) = [r for r in pms.requests if r.path == "/photo/:/transcode"]
    assert (asked.query["width"], asked.query["height"]) == ("120", "180")


def test_anonymous_visitors_are_sent_to_the_login(client, server, pms):
    response = client.get(image_url(server.pk, "/library/metadata/108/thumb", 120, 180))
    assert response.status_code == 302
    assert not [r for r in pms.requests if r.path == "/photo/:/transcode"]


def test_forged_tokens_are_404_and_pms_is_not_asked(client, guest, server, pms):
    forged = signing.dumps([server.pk, "/library/metadata/1/thumb", 1, 1, "poster"], salt="x")
    wrong_shape = signing.dumps({"server": server.pk}, salt=SALT)
    for bad in (forged, wrong_shape, "garbage"):
        assert client.get(f"/image/{bad}").status_code == 404
    assert not [r for r in pms.requests if r.path == "/photo/:/transcode"]


def test_no_server_or_no_image_gives_the_named_placeholder(client, guest, server, pms):
    avatar = client.get(image_url(None, "/library/metadata/1/thumb", 80, 80, "user"))
    assert avatar.content == (STATIC / "fallback-user.png").read_bytes()
    art = client.get(image_url(server.pk, "", 640, 360, "art"))
    assert art.content == (STATIC / "fallback-art.png").read_bytes()
    assert not [r for r in pms.requests if r.path == "/photo/:/transcode"]
