"""The inventory pages in headless Chromium at a desktop's and a phone's width (390 px): the
library items list and a show's page render without a browser error. Needs /usr/bin/chromium
(Debian's ``chromium`` package)."""

from core.testing.browser import BROWSER_TEST, log_in
from libraries.models import LibraryMedia

from .test_admin_inventory import ITEMS, make_inventory

pytestmark = BROWSER_TEST


def test_the_items_list_and_a_shows_page_on_desktop_and_phone(live_server, browser_page, tmp_path):
    page, errors = browser_page
    data = make_inventory()
    data["movies"].disk_capacity = 20 * 1024**3
    data["movies"].save()
    show = LibraryMedia.objects.get(rating_key=100)
    base = live_server.url
    log_in(page, base, ITEMS)
    page.wait_for_load_state("networkidle")  # its posters load before the page is left

    for width, height in ((1400, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}{ITEMS}")
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 4
        text = page.locator("#result_list").inner_text().replace("\xa0", " ")
        for expected in ("Heat", "The Wire", "8.0 GB", "2/4 (50%)", "never"):
            assert expected in text, expected
        # Every poster loaded (the placeholder here: the test's PMS does not answer).
        page.wait_for_function(
            "[...document.querySelectorAll('img.inventory-poster')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        page.screenshot(path=str(tmp_path / f"items_{width}.png"), full_page=True)
        page.wait_for_load_state("networkidle")  # no poster request cut by the next page

        page.goto(f"{base}{ITEMS}{show.pk}/change/")
        groups = page.locator(".inventory-group")
        assert groups.count() == 2
        first = groups.first.inner_text()
        assert "Season 1" in first and "Episode 1.1" in first and "2/2 (100%)" in first
        assert "Alice" in page.locator("#inventory-users").inner_text()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the show's page scrolls sideways at {width}px"
        page.screenshot(path=str(tmp_path / f"show_{width}.png"), full_page=True)
        page.wait_for_load_state("networkidle")

        page.goto(f"{base}/admin/storage/")
        storage = page.locator("#storage-table").inner_text().replace("\xa0", " ")
        assert "Movies" in storage and "75.0%" in storage and "5.0 GB" in storage
        page.wait_for_selector("canvas.chart")
        page.screenshot(path=str(tmp_path / f"storage_{width}.png"), full_page=True)

    assert errors == [], errors
    for shot in tmp_path.glob("*.png"):
        assert shot.stat().st_size > 10_000, shot.name
