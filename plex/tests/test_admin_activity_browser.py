"""The Activity page in headless Chromium: it follows the sessions without a reload.
Needs /usr/bin/chromium (Debian's ``chromium`` package)."""

from core.testing.browser import BROWSER_TEST, log_in
from plex import admin_activity
from servers.models import Server, Session

pytestmark = BROWSER_TEST


def test_the_activity_page_follows_the_streams_without_reloading(
    live_server, browser_page, monkeypatch, tmp_path
):
    page, _errors = browser_page
    monkeypatch.setattr(admin_activity, "REFRESH_SECONDS", 1)
    server = Server.objects.create(
        name="Living Room PMS", url="http://127.0.0.1:9", token="SECRET-PMS-TOKEN", connected=True
    )
    Session.objects.create(
        server=server,
        session_key=1,
        state="paused",
        friendly_name="Alice",
        full_title="Heat",
        media_type="movie",
        view_offset=1_800_000,
        duration=7_200_000,
        transcode_decision="direct play",
        bandwidth=8000,
        location="lan",
        started=1_795_000_000,
        stopped=1_795_000_060,
    )

    base = live_server.url
    log_in(page, base, "/admin/activity/")
    rows = page.locator("#activity-streams tbody tr")
    assert rows.count() == 1
    assert "Heat" in rows.first.inner_text() and "30:00 / 2:00:00 (25%)" in rows.first.inner_text()
    assert page.locator("#nav-sidebar-apps a.active").inner_text().strip() == "Activity"
    page.evaluate("window.notReloaded = true")

    # A second stream starts (the monitor inserts its row): it shows up by itself.
    Session.objects.create(
        server=server,
        session_key=2,
        state="playing",
        friendly_name="Bob",
        full_title="The Wire - The Target",
        media_type="episode",
        view_offset=0,
        duration=3_300_000,
        transcode_decision="transcode",
        bandwidth=4300,
        location="wan",
        started=1_795_000_000,
        stopped=1_795_000_000,
    )
    page.wait_for_function("document.querySelectorAll('#activity-streams tbody tr').length === 2")
    assert "transcode" in page.locator("#activity-streams").inner_text().lower()
    assert page.locator("[data-total=streams]").inner_text() == "2"

    # Both stop (history written, rows gone): the empty state.
    Session.objects.all().delete()
    page.locator("#activity-empty").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert "SECRET-PMS-TOKEN" not in page.content()
    page.screenshot(path=str(tmp_path / "activity.png"), full_page=True)
