"""The Activity page in headless Chromium: it follows the sessions without a reload.
Needs /usr/bin/chromium (Debian's ``chromium`` package)."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from plex import admin_activity
from plex.models import Server, Session

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright's loop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def test_the_activity_page_follows_the_streams_without_reloading(
    live_server, page, monkeypatch, tmp_path
):
    monkeypatch.setattr(admin_activity, "REFRESH_SECONDS", 1)
    get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
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
    page.goto(f"{base}/admin/login/?next=/admin/activity/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{base}/admin/activity/")
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
    # ORM calls made while Playwright's loop runs get their own connection (Django keys
    # connections by async context): close it, or PostgreSQL cannot drop the test database.
    connections.close_all()
