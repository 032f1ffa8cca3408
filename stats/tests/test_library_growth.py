"""Library growth: the per-month numbers of ``get_library_growth`` against a plain computation
over the inventory rows, the REST endpoint and the dashboard's chart."""

import datetime as dt
import html
import json
import re
import zoneinfo
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from libraries.models import Library, LibraryMedia
from servers.models import Server
from stats.window import add_months

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- the statistic -----------------------------------------------------------------------------


def _local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY).astimezone(dt.UTC)


@pytest.fixture
def inventory(settings):
    """Two servers; server "Home" has Movies (1), TV Shows (2) and Music (3), server "Away" a
    Movies (1) too. Items around local month boundaries in America/New_York."""
    settings.TIME_ZONE = "America/New_York"
    home = baker.make(Server, name="Home")
    away = baker.make(Server, name="Away")
    for srv, section_id, name in (
        (home, 1, "Movies"),
        (home, 2, "TV Shows"),
        (home, 3, "Music"),
        (away, 1, "Movies"),
    ):
        baker.make(Library, server=srv, section_id=section_id, section_name=name)
    items = [
        # just after local midnight on Nov 1 (still Oct 31 in UTC)... and just before
        (home, 1, _local(2026, 11, 1, 0, 5), 1_000),
        (home, 1, _local(2026, 10, 31, 23, 55), 2_000),
        # the first of March at 00:30 local is 05:30 UTC; Feb 28 23:30 local is Mar 1 04:30 UTC
        (home, 2, _local(2026, 3, 1, 0, 30), 3_000),
        (home, 2, _local(2026, 2, 28, 23, 30), None),
        (home, 2, _local(2026, 2, 2, 12, 0), 5_000),
        (home, 3, _local(2025, 12, 1, 0, 0), 7),
        (home, 3, _local(2025, 11, 30, 23, 59), 8),  # before a 12-month window
        (home, 3, None, 9),  # no addedAt: never in a month
        (away, 1, _local(2026, 11, 22, 9, 0), 10_000),
        (away, 1, _local(2026, 6, 15, 9, 0), 20_000),
    ]
    media = [
        baker.make(
            LibraryMedia,
            server=srv,
            section_id=section_id,
            rating_key=index + 1,
            media_type={1: "movie", 2: "episode", 3: "track"}[section_id],
            added_at=added_at,
            file_size=size,
        )
        for index, (srv, section_id, added_at, size) in enumerate(items)
    ]
    return home, away, media


def _expected(first_day, last_day, *, y_axis="count", server=None, sections=()):
    """Plain Python over the inventory rows: per (server, section) and local month."""
    months, month = [], first_day.replace(day=1)
    while month <= last_day:
        months.append(month)
        month = add_months(month, 1)
    names = {
        (s, n): name
        for s, n, name in Library.objects.values_list("server_id", "section_id", "section_name")
    }
    data = defaultdict(lambda: [0] * len(months))
    rows = LibraryMedia.objects.values_list("server_id", "section_id", "added_at", "file_size")
    for server_id, section_id, added_at, size in rows:
        if server is not None and server_id != server or sections and section_id not in sections:
            continue
        series = data[(server_id, section_id)]
        if added_at is None:
            continue
        local = added_at.astimezone(NY)
        if not first_day <= local.date() <= last_day:
            continue
        index = months.index(local.date().replace(day=1))
        series[index] += 1 if y_axis == "count" else size or 0
    counts = defaultdict(int)
    for key in data:
        counts[names[key]] += 1
    series = []
    for key in sorted(data):
        name = names[key]
        if counts[name] > 1:
            name = f"{name} ({Server.objects.get(pk=key[0]).name})"
        series.append({"name": name, "data": data[key]})
    total = [sum(s["data"][i] for s in series) for i in range(len(months))]
    return {
        "categories": [f"{MONTHS[m.month - 1]} {m.year}" for m in months],
        "series": [*series, {"name": "Total", "data": total}],
    }


def test_default_window_is_the_last_12_months_per_library_in_local_time(inventory, call_api):
    home, away, _ = inventory
    status, body = call_api("get_library_growth")
    assert status == 200 and body["response"]["result"] == "success"
    data = body["response"]["data"]
    assert data == _expected(dt.date(2025, 12, 1), dt.date(2026, 11, 22))
    assert data["categories"][0] == "Dec 2025" and data["categories"][-1] == "Nov 2026"
    by_name = {s["name"]: s["data"] for s in data["series"]}
    # 00:05 on Nov 1 local counts in November, 23:55 on Oct 31 in October
    assert by_name["Movies (Home)"][-1] == 1 and by_name["Movies (Home)"][-2] == 1
    # both servers' "Movies" are told apart by the server's name
    assert by_name["Movies (Away)"][-1] == 1
    # Feb 28 23:30 local is March 1 in UTC: February here
    assert by_name["TV Shows"][2:4] == [2, 1]
    assert by_name["Music"][0] == 1  # Dec 1 00:00 local; Nov 30 23:59 is outside
    assert by_name["Total"] == [sum(v) for v in zip(*list(by_name.values())[:-1], strict=True)]


@pytest.mark.parametrize(
    "params, first_day, last_day, kwargs",
    [
        ({"y_axis": "size"}, dt.date(2025, 12, 1), dt.date(2026, 11, 22), {"y_axis": "size"}),
        ({"time_range": "3"}, dt.date(2026, 9, 1), dt.date(2026, 11, 22), {}),
        (
            {"after": "2026-02-15", "before": "2026-11-01"},
            dt.date(2026, 2, 15),
            dt.date(2026, 11, 1),
            {},
        ),
        (
            {"section_id": "1,3", "time_range": "24"},
            dt.date(2024, 12, 1),
            dt.date(2026, 11, 22),
            {"sections": (1, 3)},
        ),
        (
            {"server": "Home", "y_axis": "size"},
            dt.date(2025, 12, 1),
            dt.date(2026, 11, 22),
            {
                "server": "home",
                "y_axis": "size",
            },
        ),
    ],
)
def test_windows_filters_and_size_match_a_plain_computation(
    inventory, call_api, params, first_day, last_day, kwargs
):
    home, _, _ = inventory
    if kwargs.get("server") == "home":
        kwargs = {**kwargs, "server": home.pk}
    status, body = call_api("get_library_growth", **params)
    assert status == 200, body
    assert body["response"]["data"] == _expected(first_day, last_day, **kwargs)


def test_size_counts_bytes_and_unknown_sizes_as_zero(inventory, call_api):
    _, body = call_api("get_library_growth", y_axis="size", server="Home")
    by_name = {s["name"]: s["data"] for s in body["response"]["data"]["series"]}
    assert by_name["TV Shows"][2:4] == [5_000, 3_000]  # Feb: 5000 + unknown; Mar: 3000
    assert by_name["Movies"][-2:] == [2_000, 1_000]


def test_no_inventory_answers_zero_totals(db, call_api, settings):
    settings.TIME_ZONE = "America/New_York"
    _, body = call_api("get_library_growth", time_range=2)
    assert body["response"]["data"] == {
        "categories": ["Oct 2026", "Nov 2026"],
        "series": [{"name": "Total", "data": [0, 0]}],
    }


@pytest.mark.parametrize(
    "params, message",
    [
        ({"y_axis": "plays"}, "y_axis"),
        ({"time_range": "abc"}, "time_range"),
        ({"after": "2026-05-01", "before": "2026-04-01"}, "after"),
        ({"section_id": "movies"}, "section_id"),
        ({"server": "nowhere"}, "server"),
    ],
)
def test_bad_input_answers_the_error_envelope(inventory, call_api, params, message):
    status, body = call_api("get_library_growth", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert message in body["response"]["message"].lower()


# --- REST and the dashboard --------------------------------------------------------------------


def test_rest_endpoint_answers_the_same_graph(inventory, call_api, rest_get, admin_client):
    _, body = call_api("get_library_growth", y_axis="size", section_id="2")
    status, data = rest_get("/api/libraries/growth", y_axis="size", section_id=2)
    assert status == 200 and data == body["response"]["data"]
    assert rest_get("/api/libraries/growth", after="2026-05-01", before="2026-04-01")[0] == 400
    assert rest_get("/api/libraries/growth", y_axis="plays")[0] == 422
    schema = admin_client.get("/api/openapi.json").json()
    assert "/api/libraries/growth" in schema["paths"]


def test_a_start_after_today_is_not_a_crash(inventory, rest_get):
    """``after`` alone later than today: at most today's month (an empty window here), every
    series as long as the months, not a crash."""
    status, data = rest_get("/api/libraries/growth", after="2026-12-01")
    assert status == 200 and len(data["categories"]) <= 1
    assert data["series"][-1]["name"] == "Total"
    assert all(len(s["data"]) == len(data["categories"]) for s in data["series"])


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")
    client.force_login(user)
    return client


def _growth_canvas(page: str):
    match = re.search(r'data-graph="library_growth".*?data-value="([^"]*)"', page, re.S)
    return json.loads(html.unescape(match.group(1))) if match else None


def test_the_dashboard_shows_library_growth_when_there_is_inventory(
    inventory, admin_client, call_api
):
    home, _, _ = inventory
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get("/admin/", {"server": home.pk}).content.decode()
    # one query for the chart (the inventory's, read before another request resets the log)
    assert sum("libraries_librarymedia" in q["sql"] for q in queries.captured_queries) == 1
    chart = _growth_canvas(page)
    assert chart is not None and "Library growth" in page
    _, body = call_api("get_library_growth", server=home.pk)
    expected = body["response"]["data"]
    assert chart["labels"] == expected["categories"]
    assert [(d["label"], d["data"]) for d in chart["datasets"]] == [
        (s["name"], s["data"]) for s in expected["series"] if s["name"] != "Total"
    ]


def test_the_dashboard_has_no_growth_chart_without_inventory(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'data-graph="library_growth"' not in page
