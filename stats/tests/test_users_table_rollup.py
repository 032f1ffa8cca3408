"""get_users_table's totals come from the daily rollup: the same numbers as a plain computation
over the History rows, grouped or not, on every server or one, in a DST time zone; the last
played row from History; a fixed number of queries once the rollup is current.

``reference_totals`` is the rule of :func:`stats.totals.rollup_totals` (and of the libraries
table) written over raw History rows: the rows of one play (``COALESCE(reference_id, id)``) that
started on one local date are a day-play, which belongs to the user, server and section of its
latest row (highest id); grouped, a play counts once, on the day it began; ungrouped, every row
counts; the duration is the rows' ``play_duration`` (seconds). Rows without a start are left out.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from conftest import bake_play, shared_import
from history.models import History
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"


def reference_totals(key_fields, *, grouping, server_id=None) -> dict:
    """``{key: (plays, duration)}`` computed in Python from every History row; ``key`` is the
    value of the single key field, or a tuple of them (``("server_id", "section_id")``)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    fields = ("id", "reference_id", "started", "play_duration", "server_id", "user_id")
    rows = History.objects.exclude(started=None).values(*fields, "section_id")
    day_plays = defaultdict(list)
    first_day = {}
    for row in rows:
        play = row["reference_id"] if row["reference_id"] is not None else row["id"]
        day = row["started"].astimezone(zone).date()
        day_plays[(play, day)].append(row)
        first_day[play] = min(first_day.get(play, day), day)
    totals = defaultdict(lambda: [0, 0])
    for (play, day), members in day_plays.items():
        latest = max(members, key=lambda row: row["id"])
        if server_id is not None and latest["server_id"] != server_id:
            continue
        key = tuple(latest[field] for field in key_fields)
        if None in key:
            continue
        entry = totals[key if len(key) > 1 else key[0]]
        if grouping:
            entry[0] += int(day == first_day[play])
        else:
            entry[0] += len(members)
        entry[1] += sum(row["play_duration"] for row in members)
    return {key: tuple(value) for key, value in totals.items()}


def reference_last_rows(key_field, *, server_id=None) -> dict:
    """``{key: (epoch of the latest start, id of that row)}``: the latest start, then the
    highest id, of each user's (or section's) rows."""
    rows = History.objects.exclude(started=None)
    if server_id is not None:
        rows = rows.filter(server_id=server_id)
    last = {}
    for key, started, row_id in rows.values_list(key_field, "started", "id"):
        if key is not None and (started, row_id) > last.get(key, (started, -1)):
            last[key] = (started, row_id)
    return {key: (int(started.timestamp()), row_id) for key, (started, row_id) in last.items()}


def table(call_api, **params) -> dict:
    status, body = call_api("get_users_table", **{"length": 1000, **params})
    assert status == 200, body
    return body["response"]["data"]


# A generated Tautulli database (3000 rows over a year, grouped plays, live TV, tracks, deleted
# users) imported with the server in New York (DST), once for the module.
imported = shared_import("imported", time_zone=NEW_YORK, history_rows=3000, users=12, days=365)


@pytest.fixture
def dataset(imported, settings):
    settings.TIME_ZONE = NEW_YORK
    return imported


def spanning_plays() -> int:
    """Plays whose rows started on more than one New York date."""
    zone = zoneinfo.ZoneInfo(NEW_YORK)
    days = defaultdict(set)
    for row_id, reference_id, started in History.objects.exclude(started=None).values_list(
        "id", "reference_id", "started"
    ):
        days[reference_id or row_id].add(started.astimezone(zone).date())
    return sum(len(dates) > 1 for dates in days.values())


@pytest.mark.parametrize("grouping", [1, 0])
def test_plays_and_duration_match_the_history_rows(call_api, dataset, grouping):
    expected = reference_totals(("user_id",), grouping=bool(grouping))
    last_rows = reference_last_rows("user_id")
    data = table(call_api, grouping=grouping)
    active = set(User.objects.active().values_list("user_id", flat=True))
    assert {row["user_id"] for row in data["data"]} == active
    assert (data["recordsFiltered"], data["recordsTotal"]) == (len(active), User.objects.count())
    played = 0
    for row in data["data"]:
        assert (row["plays"], row["duration"]) == expected.get(row["user_id"], (0, 0))
        last_seen, history_row_id = last_rows.get(row["user_id"], (None, None))
        assert (row["last_seen"], row["history_row_id"]) == (last_seen, history_row_id)
        played += row["plays"] > 0
    assert played >= 5
    if grouping:
        # Grouped plays count once: fewer plays than rows, and once even across midnight.
        rows = reference_totals(("user_id",), grouping=False)
        assert sum(p for p, _ in expected.values()) < sum(p for p, _ in rows.values())
        assert spanning_plays() > 0


def test_sorting_by_the_totals(call_api, dataset):
    expected = reference_totals(("user_id",), grouping=True)
    by_plays = table(call_api, order_column="plays", order_dir="desc")["data"]
    assert [r["plays"] for r in by_plays] == sorted((r["plays"] for r in by_plays), reverse=True)
    assert by_plays[0]["plays"] == max(plays for plays, _ in expected.values())
    by_duration = table(call_api, order_column="duration", order_dir="asc", grouping=0)["data"]
    durations = [r["duration"] for r in by_duration]
    assert durations == sorted(durations) and durations[-1] > 0
    page = table(call_api, order_column="plays", order_dir="desc", start=2, length=3)
    assert [r["user_id"] for r in page["data"]] == [r["user_id"] for r in by_plays[2:5]]


def played_users():
    """Users shown in the table (not deleted) that have history, by user_id."""
    with_history = History.objects.values("user_id")
    return User.objects.active().filter(user_id__in=with_history).order_by("user_id")


@pytest.fixture
def second_server(dataset):
    """Plays on a second server for two imported users: one across New York midnight (a
    resumed play, two rows), one on the first day of DST (2026-03-08)."""
    other = baker.make(Server, name="Second", machine_identifier="second-machine")
    users = {user.user_id: user for user in played_users()[:2]}
    busy, quiet = users
    zone = zoneinfo.ZoneInfo(NEW_YORK)
    late = dt.datetime(2026, 7, 4, 23, 50, tzinfo=zone)
    first = bake_play(other, users[busy], stopped=late, seconds=1200, section_id=1)
    bake_play(
        other,
        users[busy],
        stopped=late + dt.timedelta(minutes=40),
        seconds=1500,
        continues=first,
        section_id=1,
    )
    bake_play(
        other,
        users[quiet],
        stopped=dt.datetime(2026, 3, 8, 3, 30, tzinfo=zone),
        seconds=3000,
        paused=120,
        section_id=2,
    )
    return other, busy, quiet


def test_server_filter_counts_only_that_servers_plays(call_api, dataset, second_server):
    other, busy, quiet = second_server
    for server, grouping in ((other, 1), (other, 0), (dataset.server, 1)):
        expected = reference_totals(("user_id",), grouping=bool(grouping), server_id=server.pk)
        last_rows = reference_last_rows("user_id", server_id=server.pk)
        data = table(call_api, server=server.machine_identifier, grouping=grouping)
        for row in data["data"]:
            assert (row["plays"], row["duration"]) == expected.get(row["user_id"], (0, 0))
            last = last_rows.get(row["user_id"], (None, None))
            assert (row["last_seen"], row["history_row_id"]) == last
    on_other = {row["user_id"]: row for row in table(call_api, server="Second")["data"]}
    assert (on_other[busy]["plays"], on_other[busy]["duration"]) == (1, 2700)
    assert (on_other[quiet]["plays"], on_other[quiet]["duration"]) == (1, 3000)
    assert sum(row["plays"] for row in on_other.values()) == 2
    # Every server: the second server's plays add to the imported ones.
    everywhere = {row["user_id"]: row["plays"] for row in table(call_api)["data"]}
    imported = {
        row["user_id"]: row["plays"]
        for row in table(call_api, server=dataset.server.machine_identifier)["data"]
    }
    assert everywhere[busy] == imported[busy] + 1
    assert everywhere[quiet] == imported[quiet] + 1


def test_new_plays_show_at_once_and_the_page_costs_fixed_queries(call_api, dataset):
    table(call_api)  # brings the rollup up to date
    with CaptureQueriesContext(connection) as few:
        before = {row["user_id"]: row for row in table(call_api, order_column="plays")["data"]}
    user = played_users().first()
    for hour in range(12):
        bake_play(
            dataset.server,
            user,
            stopped=dt.datetime(2026, 11, 1, 1 + hour, tzinfo=dt.UTC),
            seconds=600,
            section_id=1,
        )
    after = {row["user_id"]: row for row in table(call_api)["data"]}
    assert after[user.user_id]["plays"] == before[user.user_id]["plays"] + 12
    assert after[user.user_id]["duration"] == before[user.user_id]["duration"] + 12 * 600
    newest = History.objects.filter(user=user).order_by("-started", "-id").first()
    assert after[user.user_id]["history_row_id"] == newest.pk
    for params in ({"order_column": "plays"}, {"search": "a", "order_column": "last_played"}):
        with CaptureQueriesContext(connection) as queries:
            table(call_api, **params)
        assert len(queries) == len(few) <= 6
