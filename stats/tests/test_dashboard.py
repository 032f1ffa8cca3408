"""The admin's statistics pages through Django's test client: the dashboard (admin home), a user's
page and a library's page show the API's numbers, follow their query string, survive bad input and
stay within a fixed number of queries.

What the page shows is read back from its HTML (the canvases' Chart.js data, the cards' rows),
and compared with the /api/v2 commands' answers for the same window.
"""

import datetime as dt
import json
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from conftest import bake_play
from history.models import History
from libraries.models import Library
from servers.models import Server
from stats.dashboard.charts import DASHBOARD_GRAPHS, MONTHLY_MIN_DAYS, chart_data
from stats.graphs import GRAPHS
from users.models import User

pytestmark = pytest.mark.django_db

# Numbers of the imported dataset: enough plays that every card and graph has rows.
DATASET = {"history_rows": 900, "users": 8, "days": 120}


# --- reading the page ---------------------------------------------------------------------------


class StatsPage(HTMLParser):
    """What a statistics page shows: ``charts`` {graph name: Chart.js data}, ``cards`` {stat_id:
    [{"label", "value", "text"}]}, ``watch_time`` {query_days: (plays, seconds)}, ``tables``
    {table id: [[cell text, ...]]}, ``message`` (the bad-input notice) and the active presets."""

    def __init__(self, html: str):
        super().__init__()
        self.charts: dict[str, dict] = {}
        self.chart_kinds: dict[str, str] = {}
        self.cards: dict[str, list[dict]] = {}
        self.watch_time: dict[int, list] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.message = ""
        self.active_ranges: list[str] = []
        self.active_y_axis: list[str] = []
        self._graph = self._card = self._table = self._capture = None
        self._query_days = None
        self._row: dict | None = None
        self._cells: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "data-graph" in a:
            self._graph = a["data-graph"]
        if tag == "canvas" and "chart" in classes:
            self.charts[self._graph] = json.loads(a["data-value"])
            self.chart_kinds[self._graph] = a["data-type"]
            json.loads(a["data-options"])  # valid JSON, or Chart.js gets nothing
        if "data-stat-id" in a:
            self._card = a["data-stat-id"]
            self.cards[self._card] = []
        if tag == "li" and "data-rank" in a:
            self._row = {"label": "", "value": None, "text": ""}
            self.cards[self._card].append(self._row)
        if "row-label" in classes:
            self._capture = "label"
        if "row-value" in classes:
            self._row["value"] = int(a["data-value"])
            self._capture = "text"
        if "data-query-days" in a:
            self._query_days = int(a["data-query-days"])
            self.watch_time[self._query_days] = [None, None]
        tile = self.watch_time.get(self._query_days)
        if tile and tile[1] is None and "data-seconds" in a:
            tile[1] = int(a["data-seconds"])
        if tile and tile[0] is None and tag == "strong" and "data-value" in a:
            tile[0] = int(a["data-value"])
        if tag == "table" and "id" in a:
            self._table = a["id"]
            self.tables[self._table] = []
        if tag == "tr" and self._table:
            self._cells = []
        if tag in ("td",) and self._cells is not None:
            self._cells.append("")
            self._capture = "cell"
        if a.get("id") == "stats-message":
            self._capture = "message"
        if tag == "a" and "data-range" in a and "active" in classes:
            self.active_ranges.append(a["data-range"])
        if tag == "a" and "data-y-axis" in a and "active" in classes:
            self.active_y_axis.append(a["data-y-axis"])

    def handle_endtag(self, tag):
        if tag in ("a", "span", "strong", "td", "div"):
            self._capture = None
        if tag == "tr" and self._cells is not None:
            if self._cells:
                self.tables[self._table].append([c.strip() for c in self._cells])
            self._cells = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._capture == "label":
            self._row["label"] += data.strip()
        elif self._capture == "text":
            self._row["text"] += data.strip()
        elif self._capture == "cell":
            self._cells[-1] += data
        elif self._capture == "message":
            self.message += data.strip()


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")
    client.force_login(user)
    return client


@pytest.fixture
def dataset(imported_tautulli, settings):
    settings.TIME_ZONE = "America/New_York"  # local dates with DST (fall back on 2026-11-01)
    return imported_tautulli(**DATASET)


def get_page(client, path, **params) -> tuple[StatsPage, object]:
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return StatsPage(response.content.decode()), response


def api_data(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    return body["response"]["data"]


def expected_card_rows(card: dict, stats_type: str = "plays") -> list[int]:
    """The number a card row shows, from the API's row (see stats.dashboard.cards)."""
    stat_id = card["stat_id"]
    values = []
    for row in card["rows"]:
        if stat_id.startswith("top_"):
            values.append(row["total_duration"] if stats_type == "duration" else row["total_plays"])
        elif stat_id.startswith("popular_"):
            values.append(row["users_watched"])
        elif stat_id == "last_watched":
            values.append(row["last_watch"])
        elif stat_id == "most_concurrent":
            values.append(row["count"])
    return values


def assert_cards_match_api(page: StatsPage, api_cards: list[dict], stats_type="plays"):
    assert list(page.cards) == [card["stat_id"] for card in api_cards]
    for card in api_cards:
        shown = page.cards[card["stat_id"]]
        assert [row["value"] for row in shown] == expected_card_rows(card, stats_type), card[
            "stat_id"
        ]


def assert_charts_match_api(page: StatsPage, call_api, names, y_axis="plays", **params):
    assert list(page.charts) == list(names)
    for name in names:
        graph = api_data(call_api, f"get_{name}", y_axis=y_axis, **params)
        assert page.charts[name] == chart_data(
            graph, y_axis=y_axis, line=page.chart_kinds[name] == "line"
        ), name
        assert page.charts[name]["labels"] == graph["categories"], name
        if y_axis == "plays":  # drawn as the API answers them
            assert [d["data"] for d in page.charts[name]["datasets"]] == [
                s["data"] for s in graph["series"]
            ], name


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_apis_cards_and_graphs(dataset, admin_client, call_api):
    page, response = get_page(admin_client, "/admin/")

    # 30 days ending today, all servers, plays: the API's defaults.
    window = response.context["dashboard"]["window"]
    assert window.last_day == timezone.localdate()
    assert (window.last_day - window.first_day).days == 29
    assert page.active_ranges == ["30"] and page.active_y_axis == ["plays"]
    assert page.message == ""

    names = [n for n in DASHBOARD_GRAPHS if n in GRAPHS and n != "plays_per_month"]
    assert_charts_match_api(page, call_api, names, time_range=30)
    assert sum(page.charts["plays_by_date"]["datasets"][-1]["data"]) > 0  # Total
    assert page.chart_kinds["plays_by_date"] == "line"
    assert page.chart_kinds["plays_by_top_10_users"] == "bar"

    api_cards = api_data(call_api, "get_home_stats", stats_count=5)
    assert_cards_match_api(page, api_cards)
    top_users = page.cards["top_users"]
    assert top_users and all(row["value"] > 0 for row in top_users)
    # The page links each top user to their admin page.
    user = User.objects.get(
        user_id=api_cards[[c["stat_id"] for c in api_cards].index("top_users")]["rows"][0][
            "user_id"
        ]
    )
    assert f'href="/admin/users/user/{user.pk}/change/"' in response.content.decode()
    # The app list stays reachable from the sidebar.
    assert 'href="/admin/history/history/"' in response.content.decode()


def test_time_range_server_and_duration_follow_the_query(dataset, admin_client, call_api, settings):
    other = Server.objects.create(name="Cabin PMS", url="http://127.0.0.1:9", token="t")
    user = User.objects.filter(user_id__isnull=False).first()
    now = timezone.now()
    for hours in (5, 30, 50):  # plays only on the other server
        bake_play(
            other,
            user,
            stopped=now - dt.timedelta(hours=hours),
            seconds=3600,
            media_type="movie",
            platform="Roku",
        )

    params = {"time_range": 7, "server": other.pk, "y_axis": "duration"}
    page, response = get_page(admin_client, "/admin/", **params)
    window = response.context["dashboard"]["window"]
    assert (window.last_day - window.first_day).days == 6 and window.server_id == other.pk
    assert page.active_ranges == ["7"] and page.active_y_axis == ["duration"]
    assert "selected>Cabin PMS" in response.content.decode().replace(
        '" selected', " selected"
    ).replace("\n", "")

    names = [n for n in DASHBOARD_GRAPHS if n in GRAPHS and n != "plays_per_month"]
    assert_charts_match_api(page, call_api, names, y_axis="duration", time_range=7, server=other.pk)
    # Durations are drawn in hours: three one-hour plays on that server.
    assert sum(page.charts["plays_by_date"]["datasets"][-1]["data"]) == pytest.approx(3.0)

    api_cards = api_data(
        call_api,
        "get_home_stats",
        stats_count=5,
        stats_type="duration",
        time_range=7,
        server=other.pk,
    )
    assert_cards_match_api(page, api_cards, stats_type="duration")
    assert page.cards["top_platforms"][0]["label"] == "Roku"
    assert page.cards["top_platforms"][0]["value"] == 3 * 3600
    assert page.cards["top_platforms"][0]["text"] == "3h 00m"  # the admin's duration format

    # The other links keep the server and the y-axis.
    selector = response.context["dashboard"]["selector"]
    assert all(
        f"server={other.pk}" in p["url"] and "y_axis=duration" in p["url"]
        for p in selector["presets"]
    )
    assert ("server", str(other.pk)) in selector["range_hidden"]


def test_a_custom_range_over_the_fall_back_day(dataset, admin_client, call_api):
    params = {"after": "2026-10-20", "before": "2026-11-03"}
    page, response = get_page(admin_client, "/admin/", **params)
    window = response.context["dashboard"]["window"]
    assert (window.first_day, window.last_day) == (dt.date(2026, 10, 20), dt.date(2026, 11, 3))
    assert page.active_ranges == []  # no preset: the custom dates are shown instead
    assert page.charts["plays_by_date"]["labels"][0] == "2026-10-20"
    assert page.charts["plays_by_date"]["labels"].count("2026-11-01") == 1
    assert len(page.charts["plays_by_date"]["labels"]) == 15
    names = [n for n in DASHBOARD_GRAPHS if n in GRAPHS and n != "plays_per_month"]
    assert_charts_match_api(page, call_api, names, **params)
    assert_cards_match_api(page, api_data(call_api, "get_home_stats", stats_count=5, **params))


def test_a_long_window_adds_plays_per_month(dataset, admin_client, call_api):
    page, _ = get_page(admin_client, "/admin/", time_range=90)
    assert "plays_per_month" in page.charts
    first = (timezone.localdate() - dt.timedelta(days=89)).isoformat()
    graph = api_data(
        call_api, "get_plays_per_month", after=first, before=timezone.localdate().isoformat()
    )
    assert page.charts["plays_per_month"]["labels"] == graph["categories"]
    assert [d["data"] for d in page.charts["plays_per_month"]["datasets"]] == [
        s["data"] for s in graph["series"]
    ]
    short, _ = get_page(admin_client, "/admin/", time_range=MONTHLY_MIN_DAYS - 1)
    assert "plays_per_month" not in short.charts


@pytest.mark.parametrize(
    "params",
    [
        {"time_range": "abc"},
        {"time_range": "0"},
        {"after": "2026-11-20", "before": "2026-11-01"},
        {"after": "2026-13-45"},
        {"before": "yesterday"},
        {"server": "no such server"},
        {"y_axis": "bogus"},
        {"time_range": "7\x00"},
        {"before": "10000-01-01"},
        {"after": "0001-01-01", "before": "9999-12-31"},
    ],
)
def test_bad_params_show_the_default_window_and_say_why(admin_client, params, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # ahead of UTC: the start of the calendar overflows
    Server.objects.create(name="Only PMS", url="http://127.0.0.1:9", token="t")
    page, response = get_page(admin_client, "/admin/", **params)
    window = response.context["dashboard"]["window"]
    assert window.last_day == timezone.localdate()
    assert (window.last_day - window.first_day).days == 29
    assert window.server_id is None and window.y_axis == "plays"
    assert "Showing the last 30 days of all servers instead" in page.message
    assert page.active_ranges == ["30"]
    # The selector carries the window shown, not the bad value.
    selector = response.context["dashboard"]["selector"]
    for key, value in selector["server_hidden"] + selector["range_hidden"]:
        assert params.get(key) != value
    assert page.charts and page.cards  # still a whole page, with empty data


@pytest.mark.parametrize(
    ("params", "days"),
    [
        ({"before": "9999-12-31", "time_range": "7"}, ("9998-12-24", "9998-12-30")),
        ({"after": "0001-01-01", "before": "0001-01-03"}, ("1970-01-02", "1970-01-02")),
    ],
)
def test_dates_beyond_the_calendar_are_the_ends_of_the_usable_range(
    admin_client, params, days, settings
):
    """core.limits.clamp_date: no overflow where the local day is turned into epochs, even in a
    zone ahead of UTC; the window is moved to the usable dates rather than refused."""
    settings.TIME_ZONE = "Asia/Tokyo"
    Server.objects.create(name="Only PMS", url="http://127.0.0.1:9", token="t")
    page, response = get_page(admin_client, "/admin/", **params)
    window = response.context["dashboard"]["window"]
    assert (window.first_day.isoformat(), window.last_day.isoformat()) == days
    assert page.charts and page.cards


def test_the_dashboard_answers_with_no_history_at_all(admin_client):
    page, _ = get_page(admin_client, "/admin/")
    assert page.message == ""
    assert page.charts["plays_by_date"]["labels"]  # every date, zero-filled
    assert all(not rows for stat_id, rows in page.cards.items() if stat_id != "most_concurrent")


def test_a_statistic_that_fails_leaves_the_rest_of_the_page(
    dataset, admin_client, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(GRAPHS, "plays_by_hourofday", broken)
    page, response = get_page(admin_client, "/admin/")
    html = response.content.decode()
    assert "plays_by_hourofday" not in page.charts and "plays_by_date" in page.charts
    assert html.count("could not be computed") == 1
    assert page.cards["top_users"]
    assert "graph plays_by_hourofday failed" in caplog.text

    monkeypatch.setattr("stats.home_stats.home_stats", broken)
    caches["stats"].clear()  # computed again, not answered from the cache
    page, response = get_page(admin_client, "/admin/")
    assert page.cards == {} and "plays_by_date" in page.charts
    assert response.content.decode().count("could not be computed") == 2
    user = User.objects.get(user_id=busiest("user_id"))
    page, response = get_page(admin_client, f"/admin/users/user/{user.pk}/change/")
    assert page.watch_time[0][0] > 0 and page.cards == {}
    assert b'name="friendly_name"' in response.content


def count_queries(client, path, **params) -> int:
    """Queries of a page whose home statistics are computed (not answered from the cache)."""
    caches["stats"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_queries_are_bounded_whatever_the_data(
    dataset, admin_client, django_assert_max_num_queries
):
    admin_client.get("/admin/")  # the rollup is built; later requests only read it
    # 13 graphs and the cards, each one or two aggregates plus its rollup check (3 queries:
    # stats.rollup.sync_rollup), the session, the user, the servers and the links of the cards.
    with django_assert_max_num_queries(90):
        admin_client.get("/admin/", {"time_range": 365})
    before = count_queries(admin_client, "/admin/", time_range=365)

    # Many more users, titles and days: the number of queries does not move.
    server = Server.objects.first()
    now = timezone.now()
    for n in range(40):
        user = baker.make(User, user_id=900_000 + n, username=f"extra{n}")
        bake_play(
            server,
            user,
            stopped=now - dt.timedelta(days=n % 20, hours=n),
            seconds=1200,
            media_type="episode",
            platform=f"Platform {n}",
        )
    admin_client.get("/admin/")  # brings the rollup up to date
    assert count_queries(admin_client, "/admin/", time_range=365) == before


def test_staff_who_may_not_view_history_get_the_app_list(client, db):
    staff = get_user_model().objects.create_user("clerk", password="pw-12345", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_server"))
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "dashboard" not in response.context
    assert b"stats-dashboard" not in response.content
    assert b'href="/admin/plex/server/"' in response.content


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get("/admin/?time_range=7")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_chart_data_turns_series_into_chart_js_datasets():
    graph = {
        "categories": ["Sunday", "Monday"],
        "series": [{"name": "TV", "data": [3600, 5400]}, {"name": "Library 7", "data": [0, 1]}],
    }
    plays = chart_data(graph)
    assert plays["labels"] == ["Sunday", "Monday"]
    assert [d["label"] for d in plays["datasets"]] == ["TV", "Library 7"]
    assert plays["datasets"][0]["data"] == [3600, 5400]
    assert plays["datasets"][0]["backgroundColor"] != plays["datasets"][1]["backgroundColor"]
    hours = chart_data(graph, y_axis="duration", line=True)
    assert hours["datasets"][0]["data"] == [1.0, 1.5]
    assert hours["datasets"][0]["fill"] is False
    assert chart_data({"categories": [], "series": []}) == {"labels": [], "datasets": []}


# --- a user's page and a library's page ---------------------------------------------------------


def user_plays_reference(user_id: int) -> tuple[int, int]:
    """(plays, seconds) of a user over all time, from History rows: distinct plays
    (COALESCE(reference_id, id)) and Σ play_duration."""
    rows = History.objects.filter(user_id=user_id).values_list(
        "id", "reference_id", "play_duration"
    )
    return len({ref or pk for pk, ref, _ in rows}), sum(seconds for _, _, seconds in rows)


def busiest(field: str):
    counts = defaultdict(int)
    for value in History.objects.values_list(field, flat=True):
        counts[value] += 1
    return max((n, v) for v, n in counts.items() if v is not None)[1]


def test_a_users_page_shows_their_statistics(dataset, admin_client, call_api):
    user = User.objects.get(user_id=busiest("user_id"))
    path = f"/admin/users/user/{user.pk}/change/"
    page, response = get_page(admin_client, path)
    assert b'id="user-statistics"' in response.content
    assert b'name="friendly_name"' in response.content  # the settings form is still there

    watch = api_data(call_api, "get_user_watch_time_stats", user_id=user.user_id)
    assert page.watch_time == {w["query_days"]: [w["total_plays"], w["total_time"]] for w in watch}
    assert page.watch_time[0] == list(user_plays_reference(user.user_id))

    players = api_data(call_api, "get_user_player_stats", user_id=user.user_id)
    shown = page.tables["user-players"]
    assert [row[0] for row in shown] == [p["player_name"] for p in players[:10]]
    assert [int(row[2].replace(",", "")) for row in shown] == [
        p["total_plays"] for p in players[:10]
    ]

    cards = api_data(call_api, "get_home_stats", stats_count=5, user_id=user.user_id)
    by_id = {card["stat_id"]: card for card in cards}
    wanted = ["top_movies", "top_tv", "top_music", "top_platforms", "last_watched"]
    assert_cards_match_api(page, [by_id[stat_id] for stat_id in wanted])
    assert_charts_match_api(
        page,
        call_api,
        [
            "plays_by_date",
            "plays_by_dayofweek",
            "plays_by_hourofday",
            "plays_by_top_10_platforms",
            "plays_by_stream_type",
        ],
        user_id=user.user_id,
    )
    assert sum(page.charts["plays_by_date"]["datasets"][-1]["data"]) > 0

    # The selector works on the user's page too.
    page7, response7 = get_page(admin_client, path, time_range=7, y_axis="duration")
    assert page7.active_ranges == ["7"]
    assert response7.context["user_stats"]["window"].user_ids == (user.user_id,)
    bad, _ = get_page(admin_client, path, after="nonsense")
    assert "Showing the last 30 days" in bad.message


def test_a_user_without_a_plex_id_has_an_empty_statistics_section(admin_client):
    user = baker.make(User, user_id=None, username="local")
    page, response = get_page(admin_client, f"/admin/users/user/{user.pk}/change/")
    assert b"This user has no Plex id" in response.content
    assert page.charts == {}


def test_a_librarys_page_shows_its_statistics(dataset, admin_client, call_api):
    section_id = busiest("section_id")
    library = Library.objects.get(section_id=section_id, server=dataset.server)
    path = f"/admin/libraries/library/{library.pk}/change/"
    page, response = get_page(admin_client, path)
    assert b'id="library-statistics"' in response.content

    watch = api_data(call_api, "get_library_watch_time_stats", section_id=section_id)
    assert page.watch_time == {w["query_days"]: [w["total_plays"], w["total_time"]] for w in watch}

    users = api_data(call_api, "get_library_user_stats", section_id=section_id)
    shown = page.tables["library-users"]
    assert [row[0] for row in shown] == [u["friendly_name"] for u in users[:10]]
    assert [int(row[1].replace(",", "")) for row in shown] == [u["total_plays"] for u in users[:10]]

    cards = api_data(
        call_api, "get_home_stats", stats_count=5, section_id=section_id, server=library.server_id
    )
    by_id = {card["stat_id"]: card for card in cards}
    kind = {"show": "tv", "movie": "movies", "artist": "music"}[library.section_type]
    wanted = [f"top_{kind}", f"popular_{kind}", "top_users", "top_platforms", "last_watched"]
    assert_cards_match_api(page, [by_id[stat_id] for stat_id in wanted])
    assert_charts_match_api(
        page,
        call_api,
        [
            "plays_by_date",
            "plays_by_dayofweek",
            "plays_by_hourofday",
            "plays_by_top_10_users",
            "plays_by_stream_type",
        ],
        section_id=section_id,
        server=library.server_id,
    )


def test_user_and_library_pages_stay_within_a_fixed_number_of_queries(
    dataset, admin_client, django_assert_max_num_queries
):
    user = User.objects.get(user_id=busiest("user_id"))
    library = Library.objects.get(section_id=busiest("section_id"), server=dataset.server)
    admin_client.get("/admin/")  # the rollup is built
    with django_assert_max_num_queries(60):
        admin_client.get(f"/admin/users/user/{user.pk}/change/")
    with django_assert_max_num_queries(60):
        admin_client.get(f"/admin/libraries/library/{library.pk}/change/")


def test_a_librarys_page_counts_only_its_own_servers_section(admin_client):
    """Two servers both have a section 1: each library's page shows its own server's plays."""
    home = Server.objects.create(name="Home PMS", url="http://127.0.0.1:9", token="a")
    cabin = Server.objects.create(name="Cabin PMS", url="http://127.0.0.1:8", token="b")
    libraries = {
        server: Library.objects.create(
            server=server, section_id=1, section_name=f"Films {server.name}", section_type="movie"
        )
        for server in (home, cabin)
    }
    alice = baker.make(User, user_id=11, username="alice", friendly_name="Alice")
    bob = baker.make(User, user_id=12, username="bob", friendly_name="Bob")
    now = timezone.now()
    for hours in (2, 26, 50):
        bake_play(
            home,
            alice,
            stopped=now - dt.timedelta(hours=hours),
            seconds=1800,
            media_type="movie",
            section_id=1,
        )
    bake_play(
        cabin,
        bob,
        stopped=now - dt.timedelta(hours=3),
        seconds=600,
        media_type="movie",
        section_id=1,
    )

    page, _ = get_page(admin_client, f"/admin/libraries/library/{libraries[home].pk}/change/")
    assert page.watch_time[0] == [3, 3 * 1800]
    assert page.tables["library-users"] == [["Alice", "3", "1h 30m"]]  # the admin's format
    assert [(row["label"], row["value"]) for row in page.cards["top_users"]] == [("Alice", 3)]
    assert sum(page.charts["plays_by_date"]["datasets"][-1]["data"]) == 3

    page, _ = get_page(admin_client, f"/admin/libraries/library/{libraries[cabin].pk}/change/")
    assert page.watch_time[0] == [1, 600]
    assert [(row["label"], row["value"]) for row in page.cards["top_users"]] == [("Bob", 1)]

    # A bad value on a library's page: the default window, still of that library.
    page, response = get_page(
        admin_client, f"/admin/libraries/library/{libraries[cabin].pk}/change/", time_range="x"
    )
    assert page.message.endswith("Showing the last 30 days instead.")
    window = response.context["library_stats"]["window"]
    assert window.server_id == cabin.pk and window.section_ids == (1,)
    assert [(row["label"], row["value"]) for row in page.cards["top_users"]] == [("Bob", 1)]
