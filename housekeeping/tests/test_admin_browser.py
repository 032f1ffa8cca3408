"""The housekeeping admin in headless Chromium: the candidates list renders with its posters
and reclaimable total, and a rule set's "what would this rule set free?" panel answers again
as a rule is edited. Needs /usr/bin/chromium (Debian's ``chromium`` package); the screenshots
are left in the test's tmp_path (``--basetemp`` to keep them)."""

from core.testing.browser import BROWSER_TEST, log_in

from .test_admin_support import make_review_data

pytestmark = BROWSER_TEST

LIST = "/admin/housekeeping/candidate/"


def test_the_candidates_list_and_the_live_preview(live_server, browser_page, tmp_path):
    page, errors = browser_page
    data = make_review_data()
    base = live_server.url
    log_in(page, base, LIST)
    page.wait_for_load_state("networkidle")

    for width, height in ((1400, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}{LIST}")
        assert page.locator("#result_list tbody tr").count() == 5
        total = page.locator("#reclaimable").inner_text().replace("\xa0", " ")
        assert "14.0 GB" in total and "5 candidate" in total
        text = page.locator("#result_list").inner_text().replace("\xa0", " ")
        for expected in ("Alien", "The Wire", "5.0 GB", "never", "3 d"):
            assert expected in text, expected
        for poster in page.locator("img.inventory-poster").all():  # lazy: load each one
            poster.scroll_into_view_if_needed()
        page.wait_for_function(
            "[...document.querySelectorAll('img.inventory-poster')]"
            ".every(img => img.complete && img.naturalWidth > 0)"
        )
        page.screenshot(path=str(tmp_path / f"candidates_{width}.png"), full_page=True)
        page.wait_for_load_state("networkidle")

    page.set_viewport_size({"width": 1400, "height": 900})
    rule_set = data["movies_rules"]
    page.goto(f"{base}/admin/housekeeping/ruleset/{rule_set.pk}/change/")
    summary = page.locator("#ruleset-preview-summary")
    page.wait_for_function(
        "document.getElementById('ruleset-preview-summary').textContent.startsWith('2 ')"
    )
    assert "7.0 GB" in summary.inner_text().replace("\xa0", " ")
    value = page.locator("input[name='rules-0-value']")
    value.fill("10")  # added more than 10 days ago: Heat too
    page.wait_for_function(
        "document.getElementById('ruleset-preview-summary').textContent.startsWith('3 ')"
    )
    assert "Heat" in page.locator("#ruleset-preview-sample").inner_text()
    # The operator list follows the field: a number field offers no date operator.
    # The preview follows (debounced): wait for its answer, or leaving the page aborts it.
    with page.expect_response(lambda response: "/preview/" in response.url):
        page.select_option("select[name='rules-0-field']", "plays")
    disabled = page.locator("select[name='rules-0-operator'] option[value='before']")
    assert disabled.get_attribute("disabled") is not None
    assert page.locator("#run-now").is_visible()
    page.screenshot(path=str(tmp_path / "rule_set.png"), full_page=True)

    alien = data["alien"]
    page.goto(f"{base}{LIST}{alien.pk}/change/")
    assert "Last watched" in page.locator("#candidate-trace").inner_text()
    page.screenshot(path=str(tmp_path / "candidate.png"), full_page=True)
    page.goto(f"{base}{LIST}{alien.pk}/act/")
    assert "Alien" in page.locator("#act-plans").inner_text()
    page.screenshot(path=str(tmp_path / "act.png"), full_page=True)
    page.goto(f"{base}/admin/housekeeping/calendar/?month=2026-11")
    assert "Alien" in page.locator("td[data-date='2026-11-25']").inner_text()
    page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)

    assert errors == [], errors
    for shot in tmp_path.glob("*.png"):
        assert shot.stat().st_size > 10_000, shot.name
