"""The guest pages in headless Chromium at a desktop's and a phone's width (390 px): they render
with data, without console errors or horizontal overflow, and the admin stays closed."""

import datetime as dt

import pytest
from django.test import Client
from model_bakery import baker

from core.testing.browser import BROWSER_TEST
from users.accounts import PlexIdentity, guest_login_user

from .conftest import T0, make_play

pytestmark = BROWSER_TEST


@pytest.fixture
def signed_in_guest(settings, live_server, browser_page):
    """A tab signed in as Alice's guest account (her session cookie), with her plays and a
    stream, and Bob's."""
    settings.ALLOW_GUEST_ACCESS = True
    server = baker.make("plex.Server", name="Home", url="http://127.0.0.1:9", token="T0KEN")
    alice = baker.make("users.User", user_id=1001, username="alice", allow_guest=True)
    bob = baker.make("users.User", user_id=1002, username="bob", allow_guest=True)
    for index in range(30):
        make_play(
            server,
            alice,
            T0 - dt.timedelta(hours=5 * index),
            title=f"A Rather Long Movie Title Number {index}",
            year=2000 + index,
            offset_ms=5_300_000 if index % 2 else 2_000_000,
        )
    make_play(server, bob, T0, title="Bob Secret Movie")
    baker.make(
        "plex.Session",
        server=server,
        user_id=alice.user_id,
        state="playing",
        title="The Pilot",
        grandparent_title="A Show",
        parent_media_index=1,
        media_index=1,
        media_type="episode",
        view_offset=600_000,
        duration=2_700_000,
        transcode_decision="direct play",
        quality_profile="Original",
        player="Living Room TV",
        product="Plex for Android",
        confirmed=True,
    )
    client = Client()
    client.force_login(guest_login_user(PlexIdentity(alice.user_id, "alice")))
    page, errors = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page, errors, live_server.url


@pytest.mark.parametrize("width", [1400, 390])
def test_guest_pages_render_at_desktop_and_phone_width(signed_in_guest, width):
    page, errors, base = signed_in_guest
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base}/me/")
    # Posters load through the image proxy: let them finish before leaving (or they abort).
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("A Show — S01E01 · The Pilot").is_visible()
    assert page.get_by_text("30 plays").first.is_visible()
    assert "Bob" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/guests-home-{width}.png", full_page=True)

    page.goto(f"{base}/me/history/")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=media_type]", "movie")
    page.fill("input[name=search]", "Number 1")
    page.click("text=Filter")
    page.wait_for_url("**/me/history/?media_type=movie&search=Number+1")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("11 plays").is_visible()  # 1 and 10-19
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/guests-history-{width}.png", full_page=True)
    assert errors == []


def test_guest_is_turned_away_from_the_admin_and_can_sign_out(signed_in_guest):
    page, errors, base = signed_in_guest
    page.goto(f"{base}/admin/core/monitoringsettings/")
    assert "/admin/login/" in page.url
    page.goto(f"{base}/me/")
    page.click("text=Sign out")
    page.wait_for_url("**/admin/login/")
    page.goto(f"{base}/me/")
    assert "/admin/login/" in page.url
