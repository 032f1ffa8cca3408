"""The statistics pages in headless Chromium, as a person uses them: log in, read the dashboard's
cards and charts, change the time range, open a user's and a library's page. Chart.js must have
drawn every chart, the cards must show the API's numbers and the browser must report no error.
Needs /usr/bin/chromium (Debian's ``chromium`` package)."""

import pytest

from core.testing.browser import BROWSER_TEST, log_in
from libraries.models import Library
from users.models import User

pytestmark = BROWSER_TEST

# Per drawn chart: how many values Chart.js holds (-1 when the canvas has no chart).
CHART_VALUES_JS = """() => Array.from(document.querySelectorAll("canvas.chart")).map((canvas) => {
    const chart = Chart.getChart(canvas);
    if (!chart || canvas.width === 0 || canvas.height === 0) return -1;
    return chart.data.datasets.reduce((n, d) => n + d.data.length, 0);
})"""


@pytest.fixture
def dataset(imported_tautulli, settings):
    settings.TIME_ZONE = "America/New_York"
    return imported_tautulli(history_rows=900, users=8, days=120)


def assert_charts_drawn(page):
    values = page.evaluate(CHART_VALUES_JS)
    assert values and all(n > 0 for n in values), values
    return values


def card_texts(page, stat_id):
    card = page.locator(f'[data-stat-id="{stat_id}"]')
    return card.locator(".row-label").all_inner_texts(), card.locator(
        ".row-value"
    ).all_inner_texts()


def api_data(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    return body["response"]["data"]


def test_the_dashboard_in_a_browser(live_server, dataset, browser_page, call_api, tmp_path):
    page, errors = browser_page
    base = live_server.url
    log_in(page, base, "/admin/")

    # Every chart drawn by Chart.js, with data.
    assert page.locator("canvas.chart").count() >= 12
    assert_charts_drawn(page)
    assert page.locator("#stats-selector a.active").first.inner_text().strip() == "30 days"

    # The cards show the API's numbers (get_home_stats, 5 rows a card).
    cards = {c["stat_id"]: c for c in api_data(call_api, "get_home_stats", stats_count=5)}
    labels, values = card_texts(page, "top_users")
    assert labels == [r["friendly_name"] for r in cards["top_users"]["rows"]]
    assert values == [f"{r['total_plays']:,}" for r in cards["top_users"]["rows"]]
    assert values and int(values[0].replace(",", "")) > 0
    labels, values = card_texts(page, "top_tv")
    assert labels == [r["title"] for r in cards["top_tv"]["rows"]]
    assert values == [f"{r['total_plays']:,}" for r in cards["top_tv"]["rows"]]
    _, values = card_texts(page, "most_concurrent")
    assert values == [f"{r['count']:,}" for r in cards["most_concurrent"]["rows"]]

    # The chart of daily plays holds the API's Total series.
    graph = api_data(call_api, "get_plays_by_date")
    drawn = page.evaluate(
        """() => Chart.getChart(document.querySelector('[data-graph="plays_by_date"] canvas'))
               .data.datasets.map((d) => [d.label, d.data])"""
    )
    assert drawn == [[s["name"], s["data"]] for s in graph["series"]]

    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    page.screenshot(path=str(tmp_path / "dashboard_top.png"))

    # A preset range, then the duration view, then custom dates.
    page.locator('#stats-selector a[data-range="7"]').click()
    page.wait_for_url("**time_range=7**")
    assert page.locator("#stats-selector a.active").first.inner_text().strip() == "7 days"
    assert (
        len(
            page.evaluate(
                """() => Chart.getChart(document.querySelector('[data-graph="plays_by_date"] canvas'))
               .data.labels"""
            )
        )
        == 7
    )
    page.locator('#stats-selector a[data-y-axis="duration"]').click()
    page.wait_for_url("**y_axis=duration**")
    assert "time_range=7" in page.url
    assert page.locator('[data-stat-id="top_users"] header').inner_text().strip().endswith("time")

    page.fill("#stats-after", "2026-10-25")
    page.fill("#stats-before", "2026-11-05")
    page.locator("#stats-range-form button[type=submit]").click()
    page.wait_for_url("**before=2026-11-05**")
    assert "y_axis=duration" in page.url
    assert page.locator("#stats-period").inner_text().startswith("Oct 25 – Nov 5, 2026")
    labels = page.evaluate(
        """() => Chart.getChart(document.querySelector('[data-graph="plays_by_date"] canvas'))
               .data.labels"""
    )
    assert labels[0] == "2026-10-25" and labels[-1] == "2026-11-05" and len(labels) == 12
    assert_charts_drawn(page)

    # A bad value: the default window, and why.
    page.goto(f"{base}/admin/?time_range=soon")
    assert "must be an integer" in page.locator("#stats-message").inner_text()
    assert_charts_drawn(page)

    # The applications stay one click away in the sidebar.
    page.locator('#nav-sidebar a[href="/admin/libraries/library/"]').first.click()
    page.wait_for_url("**/admin/libraries/library/")

    assert errors == []


def test_a_users_and_a_librarys_page_in_a_browser(
    live_server, dataset, browser_page, call_api, tmp_path
):
    page, errors = browser_page
    base = live_server.url
    top_user_id = api_data(call_api, "get_home_stats", stat_id="top_users")["rows"][0]["user_id"]
    user = User.objects.get(user_id=top_user_id)
    log_in(page, base, f"/admin/users/user/{user.pk}/change/")

    assert page.locator("#user-statistics").is_visible()
    assert page.locator("#user-statistics canvas.chart").count() == 5
    assert_charts_drawn(page)
    watch = api_data(call_api, "get_user_watch_time_stats", user_id=user.user_id)
    shown = page.locator("#user-statistics [data-query-days] strong").all_inner_texts()
    assert [int(text.split()[0]) for text in shown] == [w["total_plays"] for w in watch]
    assert watch[-1]["total_plays"] > 0
    players = api_data(call_api, "get_user_player_stats", user_id=user.user_id)
    rows = page.locator("#user-players tbody tr").all_inner_texts()
    assert rows[0].split("\t")[0].strip() == players[0]["player_name"]
    page.screenshot(path=str(tmp_path / "user.png"), full_page=True)
    assert (tmp_path / "user.png").exists()

    # From the library statistics of the user page to a library's page.
    library = (
        Library.objects.filter(server=dataset.server, section_type="show").order_by("pk").first()
    )
    page.goto(f"{base}/admin/libraries/library/{library.pk}/change/")
    assert page.locator("#library-statistics").is_visible()
    assert_charts_drawn(page)
    watch = api_data(call_api, "get_library_watch_time_stats", section_id=library.section_id)
    shown = page.locator("#library-statistics [data-query-days] strong").all_inner_texts()
    assert [int(text.split()[0]) for text in shown] == [w["total_plays"] for w in watch]
    cards = {
        c["stat_id"]: c
        for c in api_data(call_api, "get_home_stats", stats_count=5, section_id=library.section_id)
    }
    labels, values = card_texts(page, "top_tv")
    assert labels == [r["title"] for r in cards["top_tv"]["rows"]] and labels
    assert values == [f"{r['total_plays']:,}" for r in cards["top_tv"]["rows"]]
    # A user of the library opens their page.
    page.locator("#library-users a").first.click()
    page.wait_for_url("**/admin/users/user/*/change/")
    assert page.locator("#user-statistics").is_visible()
    page.goto(f"{base}/admin/libraries/library/{library.pk}/change/")
    page.screenshot(path=str(tmp_path / "library.png"), full_page=True)
    assert (tmp_path / "library.png").exists()

    assert errors == []
