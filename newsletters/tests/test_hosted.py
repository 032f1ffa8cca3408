"""Hosted newsletters (``/newsletter/<uuid>``, ``/newsletter/id/<id_name>``) under each
NEWSLETTER_AUTH choice, and their signed images served from a fake PMS through the image proxy."""

import datetime as dt
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from model_bakery import baker

import plex.apiv2_media
from newsletters.images import SALT, image_url
from newsletters.models import Newsletter, NewsletterLog
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_image_transcoder
from servers.models import Server

pytestmark = pytest.mark.django_db

TOKEN = "secret-plex-token"
PAGE = "<!DOCTYPE html><html><body><h1>Recently added to Winterfell</h1>\u00e9</body></html>"
STATIC = Path(plex.apiv2_media.__file__).resolve().parent / "static" / "plex"


def at(day, hour=0):
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def weekly():
    letter = baker.make(Newsletter, id_name="weekly", friendly_name="Weekly")
    log = baker.make(
        NewsletterLog,
        newsletter_id=letter.pk,
        uuid="abcd1234",
        html=PAGE,
        success=True,
        timestamp=at(15),
    )
    return letter, log


# --- NEWSLETTER_AUTH 0: public ---------------------------------------------------------------


def test_public_page_answers_the_stored_copy_as_it_is(client, settings, weekly):
    settings.NEWSLETTER_AUTH = 0
    response = client.get("/newsletter/abcd1234")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == PAGE
    assert "no-cache" in response["Cache-Control"]


def test_unknown_uuid_is_a_404_page(client, settings, weekly):
    settings.NEWSLETTER_AUTH = 0
    response = client.get("/newsletter/nope0000")
    assert response.status_code == 404
    assert "Newsletter not found" in response.content.decode()
    # A run that failed before rendering has no copy: not found either.
    baker.make(NewsletterLog, uuid="failed00", html="", success=False)
    assert client.get("/newsletter/failed00").status_code == 404
    assert client.get("/newsletter/id/unknown").status_code == 404


def test_id_name_answers_the_latest_successful_run(client, settings, weekly):
    settings.NEWSLETTER_AUTH = 0
    letter, _first = weekly
    other = baker.make(Newsletter, id_name="monthly")
    baker.make(
        NewsletterLog,
        newsletter_id=letter.pk,
        uuid="second00",
        html="<p>second</p>",
        success=True,
        timestamp=at(22),
    )
    # Newer, but failed; and another newsletter's newer run.
    baker.make(
        NewsletterLog,
        newsletter_id=letter.pk,
        uuid="failed00",
        html="<p>failed</p>",
        success=False,
        timestamp=at(23),
    )
    baker.make(
        NewsletterLog,
        newsletter_id=other.pk,
        uuid="monthly0",
        html="<p>monthly</p>",
        success=True,
        timestamp=at(24),
    )
    assert client.get("/newsletter/id/weekly").content == b"<p>second</p>"
    assert client.get("/newsletter/id/monthly").content == b"<p>monthly</p>"
    # The failed run's copy is still reachable by its own uuid.
    assert client.get("/newsletter/failed00").content == b"<p>failed</p>"


# --- NEWSLETTER_AUTH 1: password ---------------------------------------------------------------


def test_password_form_then_the_session_remembers(client, settings, weekly):
    settings.NEWSLETTER_AUTH = 1
    settings.NEWSLETTER_PASSWORD = "open sesame"
    form = client.get("/newsletter/abcd1234")
    assert form.status_code == 200
    body = form.content.decode()
    assert 'type="password"' in body and "Recently added to Winterfell" not in body
    assert "open sesame" not in body

    wrong = client.post("/newsletter/abcd1234", {"password": "open sesam"})
    assert wrong.status_code == 403
    assert (
        "Wrong password." in wrong.content.decode() and 'type="password"' in wrong.content.decode()
    )
    assert "Recently added" not in wrong.content.decode()

    right = client.post("/newsletter/abcd1234", {"password": "open sesame"})
    assert right.status_code == 302 and right["Location"] == "/newsletter/abcd1234"
    assert client.get("/newsletter/abcd1234").content.decode() == PAGE
    # Remembered for the other pages too.
    assert client.get("/newsletter/id/weekly").content.decode() == PAGE

    # A new password signs everyone out.
    settings.NEWSLETTER_PASSWORD = "new one"
    assert 'type="password"' in client.get("/newsletter/abcd1234").content.decode()


def test_password_mode_without_a_password_lets_nobody_in(client, settings, weekly):
    settings.NEWSLETTER_AUTH = 1
    settings.NEWSLETTER_PASSWORD = ""
    response = client.post("/newsletter/abcd1234", {"password": ""})
    assert response.status_code == 403 and "Recently added" not in response.content.decode()
    response = client.post("/newsletter/abcd1234", {"password": "anything"})
    assert "No newsletter password is set" in response.content.decode()


# --- NEWSLETTER_AUTH 2: signed-in users ---------------------------------------------------------


def test_users_mode_sends_strangers_to_the_login(client, settings, weekly):
    settings.NEWSLETTER_AUTH = 2
    response = client.get("/newsletter/abcd1234")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/newsletter/abcd1234"
    client.force_login(get_user_model().objects.create_user("guest", password="x" * 12))
    assert client.get("/newsletter/abcd1234").content.decode() == PAGE
    assert client.get("/newsletter/id/weekly").content.decode() == PAGE


# --- images ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_image_cache():
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


def path_of(url):
    return urlparse(url).path


@pytest.mark.parametrize("auth", [0, 1, 2])
def test_a_signed_image_is_served_from_pms_without_login(client, settings, server, pms, auth):
    settings.NEWSLETTER_AUTH = auth
    settings.HTTP_BASE_URL = "https://tautulli.example.com"
    url = image_url(server.pk, "/library/metadata/108/thumb/1663510739", 200, 300)
    assert url.startswith("https://tautulli.example.com/newsletter/image/")
    assert TOKEN not in url

    response = client.get(path_of(url))
    assert response.status_code == 200
    assert response.content == pms.png
    assert "public" in response["Cache-Control"]
    assert all(TOKEN not in value for value in response.headers.values())
    [request] = [r for r in pms.requests if r.path == "/photo/:/transcode"]
    assert request.query["url"].startswith("/library/metadata/108/thumb?")  # timestamp cut
    assert (request.query["width"], request.query["height"]) == ("200", "300")

    # Cached by the image proxy: PMS is not asked again.
    assert client.get(path_of(url)).content == pms.png
    assert len([r for r in pms.requests if r.path == "/photo/:/transcode"]) == 1


def test_forged_or_altered_image_tokens_are_404(client, server, pms):
    good = path_of(image_url(server.pk, "/library/metadata/108/thumb", 200, 300))
    token = good.rsplit("/", 1)[1]
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    forged_other_salt = signing.dumps([server.pk, "/library/metadata/1/thumb", 200, 300], salt="x")
    unsigned = signing.dumps([server.pk, "/", 1, 1], salt=SALT)[:-5] + "abcde"
    wrong_shape = signing.dumps({"server": server.pk}, salt=SALT)
    for bad in (altered, forged_other_salt, unsigned, wrong_shape, "garbage"):
        assert client.get(f"/newsletter/image/{bad}").status_code == 404, bad
    # A server removed since the newsletter was sent: the placeholder, not a broken image.
    gone = path_of(image_url(server.pk + 100, "/library/metadata/108/thumb", 200, 300))
    assert client.get(gone).content == (STATIC / "fallback-poster.png").read_bytes()
    assert not [r for r in pms.requests if r.path == "/photo/:/transcode"]
    assert client.post(good).status_code == 405


def test_a_missing_image_answers_the_placeholder(client, server, pms):
    pms.route("/photo/:/transcode", b"not found", status=404, content_type="text/html")
    poster = client.get(path_of(image_url(server.pk, "/library/metadata/9/thumb", 200, 300)))
    assert poster.status_code == 200
    assert poster.content == (STATIC / "fallback-poster.png").read_bytes()
    cover = client.get(path_of(image_url(server.pk, "/library/metadata/9/thumb", 200, 200)))
    assert cover.content == (STATIC / "fallback-cover.png").read_bytes()
    # An item without a poster: the placeholder, PMS not asked.
    empty = client.get(path_of(image_url(server.pk, "", 200, 300)))
    assert empty.content == (STATIC / "fallback-poster.png").read_bytes()
    # A path PMS would refuse is signed as "" (placeholder), never passed on.
    odd = client.get(path_of(image_url(server.pk, "/library/../identity", 200, 300)))
    assert odd.content == (STATIC / "fallback-poster.png").read_bytes()
    assert len([r for r in pms.requests if r.path == "/photo/:/transcode"]) == 2
