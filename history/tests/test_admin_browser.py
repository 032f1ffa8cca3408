"""The admin in headless Chromium, as a person uses it: log in, browse the history, filter it,
open a play, rename a user. Needs /usr/bin/chromium (Debian's ``chromium`` package)."""

import datetime as dt
import re

import pytest
from model_bakery import baker

from core.testing.browser import BROWSER_TEST, log_in
from history.models import History, HistoryMediaInfo, HistoryMetadata
from servers.models import Server
from users.models import User

pytestmark = BROWSER_TEST


@pytest.fixture
def plays(db):
    """Two users, 12 plays alternating movie / episode / track, with metadata and stream info."""
    server = baker.make(Server, name="Living Room PMS", url="http://127.0.0.1:9", token="T0KEN")
    users = [
        baker.make(User, user_id=501, username="alice", friendly_name="Alice"),
        baker.make(User, user_id=502, username="bob", friendly_name=""),
    ]
    kinds = [("movie", "Heat (1995)"), ("episode", "The Wire - Pilot"), ("track", "Nina - Song")]
    start = dt.datetime(2024, 3, 1, 20, 0, tzinfo=dt.UTC)
    for i in range(12):
        media_type, title = kinds[i % 3]
        started = start + dt.timedelta(hours=5 * i)
        user = users[i % 2]
        history = History.objects.create(
            server=server,
            user=user,
            username=user.username,
            started=started,
            stopped=started + dt.timedelta(minutes=50),
            play_duration=50 * 60,
            player="Living Room TV",
            platform="Android",
            media_type=media_type,
            section_id=1,
        )
        HistoryMetadata.objects.create(
            history=history, full_title=f"{title} #{i}", title=title, media_type=media_type
        )
        HistoryMediaInfo.objects.create(
            history=history,
            transcode_decision="transcode" if i % 2 else "direct play",
            container="mkv",
            video_codec="hevc",
            stream_video_codec="h264" if i % 2 else "hevc",
            transcode_video_codec="h264" if i % 2 else "",
        )
    return users


def test_browse_filter_open_and_rename(live_server, plays, browser_page, tmp_path):
    page, _errors = browser_page
    base = live_server.url
    log_in(page, base, "/admin/history/history/")

    # The history list: newest first, friendly names (username when blank), humanised durations.
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 12
    first = rows.first.inner_text()
    assert "Nina - Song #11" in first and "bob" in first and "50m 00s" in first
    assert "Alice" in page.locator("#result_list").inner_text()

    page.screenshot(path=str(tmp_path / "history_list.png"), full_page=True)

    # Filter by media type through the filter panel.
    page.locator("a", has_text="Filters").first.click()
    page.select_option("select[name=media_type]", "movie")
    page.get_by_role("button", name="Apply Filters").click()
    page.wait_for_url("**media_type=movie**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4
    texts = rows.all_inner_texts()
    assert all("Heat (1995)" in text and "movie" in text for text in texts)
    page.screenshot(path=str(tmp_path / "history_filtered.png"), full_page=True)

    # Open a play: metadata and the source / stream / transcode groups, read-only.
    page.get_by_role("link", name="Heat (1995) #9").click()
    page.wait_for_url(re.compile(r"/admin/history/history/\d+/change/"))
    general = page.locator("#content").inner_text()
    assert "bob" in general and "Living Room TV" in general and "50m 00s" in general
    from playwright.sync_api import expect

    page.get_by_role("link", name="Metadata").click()
    expect(page.locator("#content")).to_contain_text(
        "Heat (1995) #9", use_inner_text=True
    )  # visible text: hidden tabs hold it too
    page.get_by_role("link", name="Stream info").click()
    expect(page.locator("#content")).to_contain_text("Transcode", use_inner_text=True)
    stream = page.locator("#content").inner_text()
    for label in ("Source", "Stream", "Transcode", "hevc", "h264"):
        assert label in stream, label
    assert page.locator("input[name=full_title], textarea[name=full_title]").count() == 0
    assert page.locator("button[name=_save]").count() == 0  # read-only: nothing to save
    page.screenshot(path=str(tmp_path / "history_detail.png"), full_page=True)

    # Rename a user.
    alice = plays[0]
    page.goto(f"{base}/admin/users/user/{alice.pk}/change/")
    page.fill("#id_friendly_name", "Alice Liddell")
    page.locator("button[name=_save], input[name=_save]").first.click()
    page.wait_for_url(f"{base}/admin/users/user/")
    assert "Alice Liddell" in page.locator("#result_list").inner_text()
    page.screenshot(path=str(tmp_path / "users_after_rename.png"), full_page=True)
    alice.refresh_from_db()
    assert alice.friendly_name == "Alice Liddell"

    for shot in ("history_filtered.png", "history_detail.png", "users_after_rename.png"):
        assert (tmp_path / shot).stat().st_size > 10_000
