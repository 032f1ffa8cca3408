"""A 20-item newsletter, hosted and opened in headless Chromium at a desktop's width (1280 px)
and a phone's (390 px): every poster loads from a fake PMS through our signed image endpoint,
nothing overflows sideways on the phone, and the password page fits too. Needs /usr/bin/chromium
(Debian's ``chromium`` package); the screenshots are left in the test's tmp_path (``--basetemp``
to keep them)."""

import datetime as dt

import pytest
from django.core.cache import cache
from model_bakery import baker

from core.testing.browser import BROWSER_TEST
from newsletters.models import Newsletter, NewsletterLog
from newsletters.render import render_newsletter
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_image_transcoder, solid_png
from servers.models import Server

from . import content as c

pytestmark = BROWSER_TEST

TOKEN = "secret-plex-token"
# A stored copy with an icon of its own (else the browser asks for /favicon.ico: a 404).
STORED = (
    '<html><head><link rel="icon" href="data:,"></head><body><p>the newsletter</p></body></html>'
)
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def pms():
    cache.clear()
    with FakePlexServer(token=TOKEN) as fake:
        add_image_transcoder(fake, solid_png(200, 300, (70, 96, 120)))
        yield fake
    cache.clear()


def test_a_twenty_item_newsletter_on_desktop_and_phone(
    live_server, browser_page, tmp_path, settings, pms
):
    page, errors = browser_page
    settings.HTTP_BASE_URL = live_server.url
    settings.NEWSLETTER_AUTH = 0
    server = baker.make(Server, name="Winterfell", url=pms.url, token=TOKEN)
    second = baker.make(Server, name="Kings Landing", url=pms.url, token=TOKEN)
    letter = baker.make(Newsletter, id_name="weekly", message="New this week: grab the popcorn!")
    contents = [
        c.big_content(server.pk, 16),
        c.big_content(second.pk, 4, name="Kings Landing", mid="kl0000"),
    ]
    rendered = render_newsletter(letter, contents, uuid="shot0001")
    baker.make(
        NewsletterLog,
        newsletter_id=letter.pk,
        uuid="shot0001",
        html=rendered.html,
        success=True,
        timestamp=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
    )

    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/newsletter/shot0001")
        page.evaluate("window.scrollTo(0, 0)")
        posters = page.locator("img.poster")
        assert posters.count() == 20
        page.wait_for_function(
            "[...document.querySelectorAll('img.poster')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        text = page.locator("body").inner_text()
        for expected in (
            "Winterfell",
            "Kings Landing",
            "Season 1 · Episodes 01-03, 05",
            "12 tracks",
        ):
            assert expected in text, expected
        page.screenshot(path=str(tmp_path / f"newsletter_{width}.png"), full_page=True)
        page.screenshot(path=str(tmp_path / f"newsletter_{width}_top.png"))  # the first screen
        page.locator(".section-title", has_text="Music").first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"newsletter_{width}_music.png"))
        if width == 390:
            assert page.evaluate(OVERFLOW) <= 0, "the newsletter overflows a 390 px screen"
            # The phone layout applies: posters shrink to 76 px.
            assert page.evaluate("document.querySelector('img.poster').width") == 76
        else:
            assert page.evaluate("document.querySelector('.container').offsetWidth") == 640
    assert errors == []
    assert TOKEN not in page.content()


def test_the_password_page_on_a_phone(live_server, browser_page, tmp_path, settings):
    page, errors = browser_page
    settings.NEWSLETTER_AUTH = 1
    settings.NEWSLETTER_PASSWORD = "open sesame"
    baker.make(NewsletterLog, uuid="shot0002", html=STORED, success=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/newsletter/shot0002")
    page.fill("input[type=password]", "open sesame")
    page.screenshot(path=str(tmp_path / "password_390.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0
    page.click("button[type=submit]")
    page.wait_for_selector("text=the newsletter")
    assert errors == []
