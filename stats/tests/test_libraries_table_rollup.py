"""get_libraries_table's totals come from the daily rollup: the same numbers as a plain
computation over the History rows (``reference_totals``, the rule written out in
users/tests/test_users_table_rollup.py), grouped or not, on every server or one, in a DST time
zone; the last played row from History; a fixed number of queries once the rollup is current.
"""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from conftest import bake_play, shared_import
from history.models import History
from libraries.models import Library
from servers.models import Server
from stats.tests.test_users_table_rollup import NEW_YORK, reference_totals

pytestmark = pytest.mark.django_db

SECTION_KEY = ("server_id", "section_id")


def reference_last_rows() -> dict:
    """``{(server pk, section_id): (epoch of the latest start, id of that row)}``."""
    last = {}
    for server_id, section_id, started, row_id in History.objects.exclude(started=None).values_list(
        "server_id", "section_id", "started", "id"
    ):
        key = (server_id, section_id)
        if (started, row_id) > last.get(key, (started, -1)):
            last[key] = (started, row_id)
    return {key: (int(started.timestamp()), row_id) for key, (started, row_id) in last.items()}


def table(call_api, **params) -> dict:
    status, body = call_api("get_libraries_table", **{"length": 100, **params})
    assert status == 200, body
    return body["response"]["data"]


# A generated Tautulli database (3000 rows over a year) imported with the server in New York
# (DST), once for the module.
imported = shared_import("imported", time_zone=NEW_YORK, history_rows=3000, users=12, days=365)


@pytest.fixture
def dataset(imported, settings):
    """The imported database, plus a library that was never played."""
    settings.TIME_ZONE = NEW_YORK
    result = imported
    baker.make(Library, server=result.server, section_id=4242, section_name="Never Played")
    return result


@pytest.fixture
def second_server(dataset):
    """A second server whose section 1 (the same id as the imported server's) has one play
    resumed across New York midnight, and whose section 9 has one row on the DST change."""
    other = baker.make(Server, name="Second", machine_identifier="second-machine")
    baker.make(Library, server=other, section_id=1, section_name="Films", section_type="movie")
    baker.make(Library, server=other, section_id=9, section_name="Shows", section_type="show")
    zone = zoneinfo.ZoneInfo(NEW_YORK)
    late = dt.datetime(2026, 7, 4, 23, 50, tzinfo=zone)
    first = bake_play(other, None, stopped=late, seconds=1200, section_id=1)
    bake_play(
        other,
        None,
        stopped=late + dt.timedelta(minutes=40),
        seconds=1500,
        continues=first,
        section_id=1,
    )
    bake_play(
        other,
        None,
        stopped=dt.datetime(2026, 3, 8, 3, 30, tzinfo=zone),
        seconds=3000,
        paused=120,
        section_id=9,
    )
    return other


def check_rows(rows, *, grouping, server_id=None):
    """Every row's plays, duration, last_accessed and history_row_id against History."""
    expected = reference_totals(SECTION_KEY, grouping=grouping, server_id=server_id)
    last_rows = reference_last_rows()
    servers = dict(Server.objects.values_list("machine_identifier", "pk"))
    for row in rows:
        key = (servers[row["server_id"]], row["section_id"])
        assert (row["plays"], row["duration"]) == expected.get(key, (0, 0)), row["section_name"]
        last_accessed, history_row_id = last_rows.get(key, (None, None))
        assert (row["last_accessed"], row["history_row_id"]) == (last_accessed, history_row_id)


@pytest.mark.parametrize("grouping", [1, 0])
def test_plays_and_duration_match_the_history_rows(call_api, dataset, second_server, grouping):
    data = table(call_api, grouping=grouping)
    rows = data["data"]
    assert data["recordsTotal"] == data["recordsFiltered"] == Library.objects.active().count()
    assert len(rows) == data["recordsTotal"]
    check_rows(rows, grouping=bool(grouping))
    assert sum(row["plays"] > 0 for row in rows) >= 3
    never = next(row for row in rows if row["section_name"] == "Never Played")
    assert (never["plays"], never["duration"], never["last_accessed"]) == (0, 0, None)
    films = next(row for row in rows if row["section_name"] == "Films")
    # The resumed play across midnight: once grouped, two rows ungrouped.
    assert (films["plays"], films["duration"]) == (1 if grouping else 2, 2700)
    if grouping:
        rows_played = reference_totals(SECTION_KEY, grouping=False)
        totals = reference_totals(SECTION_KEY, grouping=True)
        assert sum(p for p, _ in totals.values()) < sum(p for p, _ in rows_played.values())


@pytest.mark.parametrize("grouping", [1, 0])
def test_server_filter(call_api, dataset, second_server, grouping):
    for server in (second_server, dataset.server):
        data = table(call_api, server=server.machine_identifier, grouping=grouping)
        rows = data["data"]
        assert {row["server_id"] for row in rows} == {server.machine_identifier}
        assert len(rows) == Library.objects.active().filter(server=server).count()
        check_rows(rows, grouping=bool(grouping), server_id=server.pk)
    shows = table(call_api, server="Second", search="shows")["data"]
    assert [(r["plays"], r["duration"]) for r in shows] == [(1, 3000)]


def test_sorting_searching_and_paging_by_the_rollup_totals(call_api, dataset, second_server):
    by_plays = table(call_api, order_column="plays", order_dir="desc")["data"]
    plays = [row["plays"] for row in by_plays]
    assert plays == sorted(plays, reverse=True) and plays[0] > plays[-1] == 0
    by_duration = table(call_api, order_column="duration", order_dir="asc", grouping=0)["data"]
    durations = [row["duration"] for row in by_duration]
    assert durations == sorted(durations)
    page = table(call_api, order_column="plays", order_dir="desc", start=1, length=2)["data"]
    assert [row["row_id"] for row in page] == [row["row_id"] for row in by_plays[1:3]]
    by_last = table(call_api, order_column="last_accessed", order_dir="desc")["data"]
    accessed = [row["last_accessed"] for row in by_last]
    assert accessed == sorted(accessed, key=lambda value: -1 if value is None else value)[::-1]
    assert by_last[-1]["section_name"] == "Never Played"
    # Searching the last played title (a subquery per library) finds its library.
    title = by_plays[0]["last_played"]
    found = table(call_api, search=title.upper())["data"]
    assert by_plays[0]["row_id"] in {row["row_id"] for row in found}
    assert "Never Played" not in {row["section_name"] for row in found}


def test_new_plays_show_at_once_and_the_page_costs_fixed_queries(call_api, dataset):
    requests = (
        {"order_column": "plays"},
        {"search": "o", "order_column": "last_played"},
        {"order_column": "last_accessed", "server": dataset.server.machine_identifier},
    )

    def query_counts() -> list[int]:
        counts = []
        for params in requests:
            with CaptureQueriesContext(connection) as queries:
                table(call_api, **params)
            counts.append(len(queries))
        return counts

    before = {row["section_id"]: row for row in table(call_api)["data"]}  # syncs the rollup
    few = query_counts()
    for hour in range(10):
        bake_play(
            dataset.server,
            None,
            stopped=dt.datetime(2026, 11, 2, 1 + hour, tzinfo=dt.UTC),
            seconds=900,
            section_id=4242,
        )
    after = {row["section_id"]: row for row in table(call_api)["data"]}
    assert (after[4242]["plays"], after[4242]["duration"]) == (10, 9000)
    newest = History.objects.filter(section_id=4242).order_by("-started", "-id").first()
    assert after[4242]["history_row_id"] == newest.pk
    assert after[4242]["last_accessed"] == int(newest.started.timestamp())
    assert {k: v["plays"] for k, v in after.items() if k != 4242} == {
        k: v["plays"] for k, v in before.items() if k != 4242
    }
    # The rollup sync (3), the counts, the totals, the page (+ the server's lookup).
    assert query_counts() == few == [4, 4, 5]
