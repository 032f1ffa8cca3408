"""First-run setup in headless Chromium: sign in with Plex (plex.tv's sign-in page stood in by
Playwright: it links the PIN on the loopback plex.tv and returns to us, as plex.tv does), test
the connections, add the server, land in the admin. At 1400 px and at a phone's 390 px."""

import pytest

from core.testing.browser import BROWSER_TEST
from plex.testing import FakePlexServer
from plex.testing.plex_tv import FakePlexTv
from servers.models import Server

pytestmark = BROWSER_TEST


@pytest.fixture
def pms():
    with FakePlexServer(
        token="pms-owner-token", name="Living Room Box", machine_identifier="box01"
    ) as fake:
        yield fake


@pytest.fixture
def plex_tv(settings, pms):
    with FakePlexTv() as fake:
        settings.PLEX_TV_URL = fake.url
        yield fake


def _through_plex_tv(plex_tv, token, forward):
    """Our ``/signin/plex/`` answer sends the browser to plex.tv's sign-in page, where the user
    signs in (the PIN is linked) and is sent back to ``forward`` — done here at once, Playwright
    not intercepting redirects (the test client's test checks the forwardUrl we give)."""

    def handle(route):
        ours = route.fetch(max_redirects=0)
        assert ours.headers["location"].startswith("https://app.plex.tv/auth/#!?")
        plex_tv.link_pin(plex_tv.last_pin_id, token)
        route.fulfill(status=302, headers={**ours.headers, "location": forward})

    return handle


@pytest.mark.parametrize("width", [1400, 390])
def test_a_new_install_is_set_up_in_the_browser(live_server, browser_page, plex_tv, pms, width):
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    token = plex_tv.add_account(12345, "owner", servers=[pms])
    base = live_server.url
    page.route(
        f"{base}/signin/plex/", _through_plex_tv(plex_tv, token, f"{base}/signin/plex/done/")
    )

    page.goto(f"{base}/signin/plex/")
    page.wait_for_url(f"{base}/setup/plex/")
    assert page.get_by_text("Living Room Box").is_visible()

    page.get_by_role("button", name="Test connections").click()
    page.wait_for_selector(".connection-test")
    assert page.locator(".connection-test", has_text="✔ works").count() == 1
    assert page.locator(".connection-test", has_text="✘").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= max(width, 390)
    page.screenshot(path=f"/tmp/plex_setup_{width}.png", full_page=True)

    page.get_by_role("button", name="Add this server").click()
    page.wait_for_url(f"{base}/admin/plex/server/*/change/")
    server = Server.objects.get(machine_identifier="box01")
    assert server.url == pms.url
    assert page.get_by_text("Living Room Box was added").is_visible()
    page.screenshot(path=f"/tmp/plex_setup_done_{width}.png")
    assert errors == []
