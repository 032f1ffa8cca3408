"""Posters in the admin in headless Chromium at desktop and phone widths: History (thumbnails,
watched marks, a play's header), Recently added, users, libraries and the library items. Every
image loads (the placeholder: the test's PMS does not answer), no console errors, no sideways
scrolling at 390 px. Screenshots in ``/tmp/posters`` (or pytest's tmp dir)."""

import datetime as dt
from pathlib import Path

import pytest
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from core.testing.browser import BROWSER_TEST, log_in
from history.models import History, HistoryMetadata
from libraries.models import Library, LibraryMedia
from servers.models import Server
from users.models import User

pytestmark = BROWSER_TEST

SHOTS = Path("/tmp/posters")


@pytest.fixture
def media(db):
    server = baker.make(Server, name="Home PMS", url="http://127.0.0.1:9", token="T0KEN")
    alice = baker.make(User, user_id=501, username="alice", friendly_name="Alice")
    baker.make(User, user_id=502, username="bob", thumb="https://plex.tv/users/b/avatar")
    baker.make(Library, server=server, section_id=1, section_name="Movies", section_type="movie")
    baker.make(Library, server=server, section_id=2, section_name="TV Shows", section_type="show")
    for i in range(8):
        stopped = FROZEN_NOW - dt.timedelta(hours=3 * i + 1)
        kind = "episode" if i % 2 else "movie"
        play = bake_play(
            server, alice, stopped=stopped, seconds=1800, media_type=kind,
            view_offset=[3_000_000, 1_000_000, 2_000_000, 100_000][i % 4],
        )  # fmt: skip
        HistoryMetadata.objects.create(
            history=play, media_type=kind, title=f"Title number {i} with a rather long name",
            full_title=f"Title number {i}", grandparent_title="The Wire" if i % 2 else None,
            parent_media_index=1, media_index=i, duration=3_200_000,
            thumb=f"/library/metadata/{i}/thumb/1",
        )  # fmt: skip
        baker.make(
            LibraryMedia, server=server, section_id=2 if i % 2 else 1, rating_key=100 + i,
            media_type=kind, title=f"Added item {i}", grandparent_title="The Wire",
            grandparent_rating_key=99 if i % 2 else None, parent_media_index=1, media_index=i,
            added_at=FROZEN_NOW - dt.timedelta(days=i), thumb=f"/library/metadata/{100 + i}/thumb",
        )  # fmt: skip
    return server


def images_loaded(page) -> bool:
    """Whether every image of the page loaded (each lazy one scrolled into view first)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for image in page.locator("#content img").all():
        image.scroll_into_view_if_needed()
    try:
        page.wait_for_function(
            "[...document.querySelectorAll('#content img')]"
            ".every(i => i.complete && i.naturalWidth > 0)",
            timeout=10_000,
        )
    except PlaywrightTimeout:
        return False
    page.wait_for_load_state("networkidle")
    return True


@pytest.mark.parametrize("width", [1400, 390])
def test_poster_pages_render_with_images(live_server, media, browser_page, width):
    page, errors = browser_page
    SHOTS.mkdir(exist_ok=True)
    base = live_server.url
    log_in(page, base, "/admin/history/history/")
    page.set_viewport_size({"width": width, "height": 900})
    play = History.objects.order_by("-started").first()
    library = Library.objects.get(section_id=1)
    pages = {
        "history": ("/admin/history/history/", "img.poster-thumb", 8),
        "play": (f"/admin/history/history/{play.pk}/change/", ".poster-header img", 1),
        "recent": ("/admin/recently-added/", ".recent-tile img", 8),
        "users": ("/admin/users/user/", "img.poster-avatar", 2),
        "libraries": ("/admin/libraries/library/", "td.field-thumbnail img", 2),
        "library": (
            f"/admin/libraries/library/{library.pk}/change/",
            "img.library-thumb",
            1,
        ),
        "items": ("/admin/libraries/librarymedia/", "img.inventory-poster", 4),
    }
    for name, (path, selector, count) in pages.items():
        page.goto(f"{base}{path}")
        assert page.locator(selector).count() == count, name
        assert images_loaded(page), name
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    assert errors == []
    # What a user reads: marks, the episode up front, tiles with titles.
    page.goto(f"{base}/admin/history/history/{play.pk}/change/")
    header = page.locator(".poster-header").inner_text()
    assert "Title number 0" in header and "Alice" in header and "Watched" in header
    page.goto(f"{base}/admin/recently-added/")
    assert "The Wire" in page.locator(".recent-grid").inner_text()
