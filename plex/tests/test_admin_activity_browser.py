"""The Activity page in headless Chromium: poster cards that follow the sessions without a
reload (posters kept, not reloaded), fit a phone, and a stream terminated on the fake PMS.
Needs /usr/bin/chromium (Debian's ``chromium`` package)."""

import time

import pytest

from core.testing.browser import BROWSER_TEST, log_in
from plex import admin_activity
from plex.activity.reconcile import reconcile
from plex.testing import FakePlexServer
from servers.models import Server, Session

pytestmark = BROWSER_TEST

TOKEN = "SECRET-PMS-TOKEN"
CARDS = "#activity-streams article"


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN, name="Living Room PMS") as fake:
        fake.clock.now_ms = int(time.time() * 1000)
        yield fake


def test_cards_follow_the_streams_and_a_stream_is_terminated(
    live_server, browser_page, monkeypatch, pms
):
    page, errors = browser_page
    monkeypatch.setattr(admin_activity, "REFRESH_SECONDS", 1)
    server = Server.objects.create(
        name="Living Room PMS",
        url=pms.url,
        token=TOKEN,
        machine_identifier=pms.machine_identifier,
        connected=True,
    )
    alice = pms.viewer(user_id=11, user_title="alice").play(offset_ms=1_800_000)
    pms.viewer(user_id=12, user_title="bob", media_type="episode", decision="transcode").play()
    assert reconcile(server).started == 2

    base = live_server.url
    log_in(page, base, "/admin/activity/")
    assert page.locator(CARDS).count() == 2
    assert page.locator("#nav-sidebar-apps a.active").inner_text().strip() == "Activity"
    first = page.locator(CARDS).first
    assert "alice" in first.inner_text() and "left" in first.inner_text()
    assert page.locator(f"{CARDS} [role=progressbar]").count() == 2
    # Posters and avatars load through our image proxy (the placeholder: the fake has no images).
    page.wait_for_function(
        "[...document.querySelectorAll('#activity-streams img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.evaluate("window.notReloaded = true")
    page.evaluate("document.querySelector('.activity-poster').dataset.kept = 'yes'")

    # A third stream starts (the monitor inserts its row): its card shows up by itself, and the
    # posters already shown are the same elements (not reloaded: no flicker).
    Session.objects.create(
        server=server,
        session_key=99,
        state="playing",
        friendly_name="Carol",
        full_title="The Wire - The Target",
        media_type="episode",
        view_offset=0,
        duration=3_300_000,
        transcode_decision="transcode",
        bandwidth=4300,
        location="wan",
        started=int(time.time()),
        stopped=int(time.time()),
    )
    page.wait_for_function(f"document.querySelectorAll('{CARDS}').length === 3")
    assert page.locator("[data-total=streams]").inner_text() == "3"
    assert page.evaluate("document.querySelector('.activity-poster').dataset.kept") == "yes"
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path="/tmp/activity-1400.png", full_page=True)

    # A phone's width: one column, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = page.locator(CARDS).evaluate_all("cards => cards.map(c => c.getBoundingClientRect().x)")
    assert len(set(boxes)) == 1  # stacked
    page.screenshot(path="/tmp/activity-390.png", full_page=True)

    # Terminate alice's stream with a message: the result is shown, PMS stopped it.
    page.set_viewport_size({"width": 1400, "height": 900})
    page.locator(f"{CARDS}:has-text('alice') [data-terminate]").click()
    page.wait_for_url("**/admin/activity/terminate/**")
    page.fill("#id_message", "Time for bed")
    page.screenshot(path="/tmp/activity-terminate.png", full_page=True)
    page.click("#terminate-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/activity/")
    assert "Stream of alice" in page.locator("body").inner_text()
    assert (alice.state, alice.stop_reason) == ("stopped", "Time for bed")
    page.screenshot(path="/tmp/activity-terminated.png", full_page=True)
    assert TOKEN not in page.content()

    # Every stream stops (history written, rows gone): the empty state, still without a reload.
    page.evaluate("window.notReloaded = true")
    Session.objects.all().delete()
    page.locator("#activity-empty").wait_for()
    assert page.evaluate("window.notReloaded") is True
    # A refresh in flight when the page is left (Terminate, then back) is cancelled by the browser.
    assert [
        e for e in errors if not e.endswith("/admin/activity/fragment/: net::ERR_ABORTED")
    ] == []
