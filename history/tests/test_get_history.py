"""get_history (reference 1.3): shapes against the real captures, grouping numbers, every filter,
search, order, paging, dates in a non-UTC zone, live activity, bad input — and the groups table
checked against Tautulli's plain per-row computation (``use_groups=False``) on generated data."""

import glob
import itertools
import json
import os
from collections import defaultdict

import pytest
from django.conf import settings as django_settings
from django.db import connection
from model_bakery import baker

from core.tautulli_api import Params
from core.tautulli_api.datatables import TableRequest
from core.timeutils import from_epoch, to_epoch
from history.apiv2.history_table import history_filters_from_params
from history.grouping import rebuild_groups, sync_groups
from history.models import (
    History,
    HistoryGroup,
    HistoryGroupState,
    HistoryGroupUserTotal,
    HistoryMediaInfo,
    HistoryMetadata,
)
from history.table import HistoryQuery, history_table
from history.table.serialize import ROW_KEYS, human_duration
from history.table.sources import split_plays
from servers.models import Server, Session
from users.models import User

# 2026-09-21T00:00:00Z: a UTC midnight (20:00 the day before in New York, EDT).
D0 = 1_789_948_800
HOUR = 3600
DAY = 86_400

CAPTURES = sorted(
    glob.glob(
        os.path.join(
            str(django_settings.SHARED_DIR), "fixtures/tautulli-dart/history/get_history*.json"
        )
    )
)


# --- data builders (also used by test_delete_history) ---------------------------------------------


def make_row(
    server,
    user,
    row_id,
    *,
    started,
    minutes,
    reference_id=None,
    paused=0,
    view_offset=0,
    duration=1_500_000,
    media_type="episode",
    rating_key=201,
    parent_rating_key=20,
    grandparent_rating_key=2,
    full_title="Show A - Pilot",
    title="Pilot",
    decision="direct play",
    platform="Android",
    product="Plex for Android (TV)",
    player="SHIELD",
    ip_address="10.0.0.1",
    live=False,
    guid="plex://episode/aaa",
    section_id=2,
    credits_first=None,
    username=None,
):
    """A History row with its metadata and media info; times in epoch seconds, offsets in ms."""
    stopped = started + minutes * 60
    row = History.objects.create(
        id=row_id,
        server=server,
        reference_id=reference_id or row_id,
        started=from_epoch(started),
        stopped=from_epoch(stopped),
        play_duration=History.compute_play_duration(started, stopped, paused),
        paused_counter=paused,
        rating_key=rating_key,
        parent_rating_key=parent_rating_key,
        grandparent_rating_key=grandparent_rating_key,
        user=user,
        username=username or user.username,
        ip_address=ip_address,
        player=player,
        product=product,
        platform=platform,
        machine_id=f"machine-{player}",
        location="lan",
        secure=True,
        relayed=False,
        media_type=media_type,
        section_id=section_id,
        view_offset=view_offset,
    )
    movie = media_type == "movie"
    HistoryMetadata.objects.create(
        history=row,
        rating_key=rating_key,
        parent_rating_key=parent_rating_key,
        grandparent_rating_key=grandparent_rating_key,
        title=title,
        parent_title="" if movie else "Season 1",
        grandparent_title="" if movie else full_title.split(" - ")[0],
        original_title="",
        full_title=full_title,
        media_index=None if movie else 1,
        parent_media_index=None if movie else 1,
        thumb=f"/library/metadata/{rating_key}/thumb/1",
        parent_thumb=f"/library/metadata/{parent_rating_key}/thumb/1",
        grandparent_thumb=f"/library/metadata/{grandparent_rating_key}/thumb/1",
        media_type=media_type,
        year=2020,
        originally_available_at="2020-01-01",
        duration=duration,
        guid=guid,
        live=live,
        marker_credits_first=credits_first,
        marker_credits_final=credits_first,
    )
    HistoryMediaInfo.objects.create(history=row, transcode_decision=decision)
    return row


@pytest.fixture
def library(db):
    """Seven rows, five plays, three users, two days and a bit (see the comments)."""
    server = Server.objects.create(name="Plex", machine_identifier="pms1")
    alice = User.objects.create(user_id=101, username="alice", friendly_name="Alice A")
    bob = User.objects.create(user_id=102, username="bob", friendly_name="   ")
    carol = User.objects.create(
        user_id=103,
        username="carol",
        thumb="https://plex.tv/c.png",
        custom_avatar_url="https://i.imgur.com/c.png",
    )
    rows = {
        # alice resumes an episode on another device: one play of two rows (decisions differ).
        1: make_row(
            server, alice, 1, started=D0 + 10 * HOUR, minutes=30, paused=60, view_offset=1_200_000
        ),
        2: make_row(
            server,
            alice,
            2,
            reference_id=1,
            started=D0 + 11 * HOUR,
            minutes=10,
            view_offset=1_450_000,
            decision="transcode",
            platform="Konvergo",
            player="HTPC",
        ),
        # bob starts a movie, and finishes it the next day (a play across midnight UTC).
        3: make_row(
            server,
            bob,
            3,
            started=D0 + 12 * HOUR,
            minutes=120,
            view_offset=3_000_000,
            duration=7_200_000,
            media_type="movie",
            rating_key=300,
            parent_rating_key=None,
            grandparent_rating_key=None,
            full_title="Movie B",
            title="Movie B",
            guid="plex://movie/bbb",
            section_id=1,
            ip_address="203.0.113.9",
        ),
        6: make_row(
            server,
            bob,
            6,
            reference_id=3,
            started=D0 + DAY + 23 * HOUR,
            minutes=90,
            view_offset=6_600_000,
            duration=7_200_000,
            media_type="movie",
            rating_key=300,
            parent_rating_key=None,
            grandparent_rating_key=None,
            full_title="Movie B",
            title="Movie B",
            guid="plex://movie/bbb",
            section_id=1,
            credits_first=6_500_000,
            ip_address="203.0.113.9",
        ),
        # carol listens to a track.
        4: make_row(
            server,
            carol,
            4,
            started=D0 + DAY + HOUR,
            minutes=4,
            view_offset=230_000,
            duration=240_000,
            media_type="track",
            rating_key=400,
            parent_rating_key=40,
            grandparent_rating_key=4,
            full_title="Song C - Artist",
            title="Song C",
            guid="plex://track/ccc",
            section_id=3,
            platform="iOS",
            product="Plexamp",
            player="iPhone",
        ),
        # alice watches live TV.
        5: make_row(
            server,
            alice,
            5,
            started=D0 + 2 * DAY,
            minutes=60,
            view_offset=0,
            duration=0,
            rating_key=500,
            full_title="News at Nine",
            guid="plex://episode/live",
            live=True,
            section_id=999999,
        ),
        # carol: an episode watched up to its credits marker (73 % < 85 %, but past the marker).
        7: make_row(
            server,
            carol,
            7,
            started=D0 + 3 * DAY,
            minutes=20,
            view_offset=1_100_000,
            rating_key=202,
            full_title="Show A - Second",
            title="Second",
            credits_first=1_000_000,
            platform="windows",
        ),
    }
    return {"server": server, "users": (alice, bob, carol), "rows": rows}


def add_sessions(server):
    """Two live sessions, like the generator's: a playing episode and a paused track."""
    playing = baker.make(
        Session,
        server=server,
        session_key=11,
        state="playing",
        started=D0 + 4 * DAY,
        stopped=D0 + 4 * DAY + 600,
        paused_counter=0,
        user_id=101,
        user="alice",
        friendly_name="Alice A",
        platform="Roku",
        product="Plex for Roku",
        player="Roku",
        ip_address="10.0.0.5",
        live=0,
        machine_id="roku",
        location="lan",
        secure=1,
        relayed=0,
        media_type="episode",
        rating_key=203,
        parent_rating_key=20,
        grandparent_rating_key=2,
        full_title="Show A - Third",
        title="Third",
        parent_title="Season 1",
        grandparent_title="Show A",
        original_title="",
        year=2020,
        media_index=3,
        parent_media_index=1,
        thumb="/t",
        parent_thumb="/pt",
        grandparent_thumb="/gt",
        originally_available_at="2020-01-03",
        guid="plex://episode/ddd",
        view_offset=300_000,
        duration=1_500_000,
        transcode_decision="transcode",
        section_id=2,
    )
    paused = baker.make(
        Session,
        server=server,
        session_key=12,
        state="paused",
        started=D0 + 4 * DAY - 300,
        stopped=D0 + 4 * DAY + 100,
        paused_counter=50,
        user_id=103,
        user="carol",
        friendly_name=None,
        platform="iOS",
        product="Plexamp",
        player="iPhone",
        ip_address="10.0.0.6",
        live=0,
        machine_id="iphone",
        location="lan",
        secure=1,
        relayed=0,
        media_type="track",
        rating_key=401,
        parent_rating_key=40,
        grandparent_rating_key=4,
        full_title="Song D - Artist",
        title="Song D",
        view_offset=10_000,
        duration=200_000,
        transcode_decision="direct play",
        section_id=3,
        year=2021,
        media_index=None,
        parent_media_index=None,
    )
    return playing, paused


def history(call_api, **params):
    """get_history's data, asserting success."""
    status, body = call_api("get_history", **{"include_activity": 0, "length": 100, **params})
    assert status == 200, body
    assert body["response"]["result"] == "success", body
    return body["response"]["data"]


def ids(data):
    return [row["row_id"] for row in data["data"]]


# --- shapes ------------------------------------------------------------------------------------------


def _capture_types():
    """key → JSON type names seen in the real captures; and each capture's envelope key order."""
    types = defaultdict(set)
    envelopes = []
    for path in CAPTURES:
        data = json.load(open(path))["response"]["data"]
        envelopes.append(list(data))
        for row in data["data"]:
            assert list(row) == list(ROW_KEYS), path
            for key, value in row.items():
                types[key].add(type(value).__name__)
    return types, envelopes


def test_captures_are_there():
    assert len(CAPTURES) >= 8


def test_rows_have_the_captured_keys_order_and_types(call_api, library):
    captured, envelopes = _capture_types()
    data = history(call_api)
    for envelope in envelopes:
        assert list(data) == envelope
    assert isinstance(data["recordsFiltered"], int) and isinstance(data["recordsTotal"], int)
    assert isinstance(data["draw"], int)
    assert isinstance(data["filter_duration"], str) and isinstance(data["total_duration"], str)
    for row in data["data"]:
        assert list(row) == list(ROW_KEYS)
        for key, value in row.items():
            assert type(value).__name__ in captured[key] | {"NoneType"}, (key, value)
    movie = next(row for row in data["data"] if row["media_type"] == "movie")
    for key in ("parent_rating_key", "grandparent_rating_key", "media_index", "parent_media_index"):
        assert movie[key] == ""  # as in get_history__media_type.json
    episode = next(row for row in data["data"] if row["row_id"] == 2)
    assert all(isinstance(episode[k], int) for k in ("rating_key", "media_index", "year"))
    assert episode["state"] is None and episode["session_key"] is None
    assert isinstance(episode["group_ids"], str)


def test_watched_status_types_follow_tautulli(call_api, library):
    rows = {row["row_id"]: row for row in history(call_api)["data"]}
    # 1 is an int, quarters are floats (json: 1 vs 0.25), as in the captures.
    assert rows[2]["watched_status"] == 1 and isinstance(rows[2]["watched_status"], int)
    assert rows[6]["watched_status"] == 1  # past the first credits marker
    assert rows[7]["watched_status"] == 1  # 73 %, but past the credits marker (WATCHED_MARKER=3)
    assert rows[5]["watched_status"] == 1 and rows[5]["percent_complete"] == 100  # live
    assert rows[4]["watched_status"] == 1


def test_quarters_of_the_watched_percent(call_api, library):
    server, (alice, _, _) = library["server"], library["users"]
    for row_id, offset in ((20, 1_000_000), (21, 700_000), (22, 400_000), (23, 100_000)):
        make_row(
            server,
            alice,
            row_id,
            started=D0 + 5 * DAY + row_id * HOUR,
            minutes=5,
            view_offset=offset,
            rating_key=600 + row_id,
        )
    rows = {row["row_id"]: row for row in history(call_api)["data"]}
    for row_id, expected in ((20, 0.75), (21, 0.5), (22, 0.25), (23, 0)):
        assert rows[row_id]["watched_status"] == expected
        assert type(rows[row_id]["watched_status"]) is type(expected)
    assert rows[20]["percent_complete"] == 67  # round(66.67)


# --- grouping --------------------------------------------------------------------------------------


def expected_plays(rows, *, grouped=True):
    """Tautulli's grouped columns computed in Python from History rows (reference 1.3)."""
    plays = defaultdict(list)
    for row in rows:
        key = (row.reference_id or row.id) if grouped else row.id
        plays[key].append(row)
    result = {}
    for members in plays.values():
        members.sort(key=lambda r: r.id)
        latest = members[-1]
        percents = []
        for r in members:
            offset = 0.1 if r.view_offset is None else r.view_offset
            duration = r.metadata.duration
            if duration == 0:
                continue
            percents.append(offset / (1.0 if duration is None else duration) * 100)
        result[latest.id] = {
            "reference_id": latest.reference_id,
            "date": max(to_epoch(r.started) for r in members),
            "started": min(to_epoch(r.started) for r in members),
            "stopped": max(to_epoch(r.stopped) for r in members),
            "duration": sum(r.play_duration for r in members),
            "paused_counter": sum(r.paused_counter for r in members),
            "group_count": len(members),
            "group_ids": ",".join(str(r.id) for r in members),
            "percent_complete": 100
            if latest.metadata.live
            else int(round(max(percents, default=0))),
            "full_title": latest.metadata.full_title,
        }
    return result


def test_a_play_of_two_rows(call_api, library):
    data = history(call_api)
    play = next(row for row in data["data"] if row["reference_id"] == 1)
    assert play["row_id"] == play["id"] == 2
    assert play["group_count"] == 2 and play["group_ids"] == "1,2"
    assert play["date"] == D0 + 11 * HOUR and play["started"] == D0 + 10 * HOUR
    assert play["stopped"] == D0 + 11 * HOUR + 600
    assert play["paused_counter"] == 60
    assert play["duration"] == play["play_duration"] == 30 * 60 - 60 + 10 * 60
    assert play["percent_complete"] == 97  # the highest of 80 % and 96.7 %
    assert play["platform"] == "Plex Media Player"  # Konvergo, from the latest row
    assert play["player"] == "HTPC"
    assert play["transcode_decision"] == "transcode"
    assert play["friendly_name"] == "Alice A" and play["user"] == "alice"


def test_grouped_numbers_match_a_plain_computation(call_api, library):
    expected = expected_plays(History.objects.select_related("metadata"))
    data = history(call_api)
    assert data["recordsFiltered"] == len(expected) == 5
    assert data["recordsTotal"] == 7
    for row in data["data"]:
        want = expected[row["row_id"]]
        assert {key: row[key] for key in want} == want


def test_ungrouped_rows(call_api, library):
    data = history(call_api, grouping=0)
    assert data["recordsFiltered"] == 7
    expected = expected_plays(History.objects.select_related("metadata"), grouped=False)
    for row in data["data"]:
        want = expected[row["row_id"]]
        assert {key: row[key] for key in want} == want
        assert row["group_count"] == 1 and row["group_ids"] == str(row["row_id"])


def test_user_fields(call_api, library):
    rows = {row["row_id"]: row for row in history(call_api)["data"]}
    assert rows[6]["friendly_name"] == "bob"  # friendly name of spaces only → username
    assert rows[4]["user_thumb"] == "https://i.imgur.com/c.png"  # custom avatar first
    assert rows[2]["user_thumb"] == "interfaces/default/images/gravatar-default-80x80.png"
    assert rows[7]["platform"] == "Windows"  # 'windows' override
    assert rows[2]["thumb"] == "/library/metadata/20/thumb/1"  # episode → season thumb
    assert rows[6]["thumb"] == "/library/metadata/300/thumb/1"


def test_durations_are_tautulli_strings(call_api, library):
    data = history(call_api)
    seconds = sum(r.play_duration for r in History.objects.all())
    assert data["total_duration"] == human_duration(seconds)
    page = history(call_api, length=1)
    assert page["filter_duration"] == human_duration(page["data"][0]["play_duration"])
    assert page["total_duration"] == data["total_duration"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0"),
        (-5, "0"),
        (59, "59 secs"),
        (61, "1 min 1 sec"),
        (3600, "1 hr"),
        (17082, "4 hrs 44 mins 42 secs"),  # get_history.json's filter_duration
        (2223, "37 mins 3 secs"),
        (86_400 + 7200 + 60, "1 day 2 hrs 1 min"),
        (300_000, "3 days 11 hrs 20 mins"),
        (300_030, "3 days 11 hrs 21 mins"),  # minutes rounded once seconds are not shown
        (1766 * 86_400 + 3 * 3600 + 42 * 60 + 10, "1766 days 3 hrs 42 mins"),
    ],
)
def test_human_duration(seconds, text):
    assert human_duration(seconds) == text


# --- filters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user_id": "102"}, [6]),
        ({"user_id": "101,103"}, [7, 5, 4, 2]),
        ({"user": "carol"}, [7, 4]),
        ({"user": "carol", "user_id": "101"}, [5, 2]),  # user_id wins
        ({"rating_key": "300"}, [6]),
        ({"parent_rating_key": "40"}, [4]),
        ({"grandparent_rating_key": "2"}, [7, 5, 2]),
        ({"section_id": "1,3"}, [6, 4]),
        ({"media_type": "movie"}, [6]),
        ({"media_type": "live"}, [5]),
        ({"media_type": "episode"}, [7, 2]),  # the live episode is 'live'
        ({"media_type": "episode,track"}, [7, 4, 2]),
        ({"media_type": "all"}, [7, 5, 6, 4, 2]),
        ({"guid": "plex://movie/"}, [6]),
        ({"guid": "PLEX://EPISODE/aaa?lang=en"}, [7, 2]),
        ({"reference_id": "3"}, [6]),
        ({"transcode_decision": "all"}, [7, 5, 6, 4, 2]),
    ],
)
def test_filters(call_api, library, params, expected):
    assert ids(history(call_api, **params)) == expected


def test_a_filter_that_cuts_a_play_groups_only_the_matching_rows(call_api, library):
    data = history(call_api, transcode_decision="direct play")
    play = next(row for row in data["data"] if row["reference_id"] == 1)
    assert play["row_id"] == 1 and play["group_count"] == 1 and play["group_ids"] == "1"
    assert play["duration"] == 30 * 60 - 60 and play["percent_complete"] == 80
    assert play["platform"] == "Android"  # the latest row that passed
    assert data["recordsFiltered"] == 5  # 1, 3+6, 4, 5, 7 all have a direct play row
    transcoded = history(call_api, transcode_decision="transcode")
    assert ids(transcoded) == [2] and transcoded["data"][0]["group_ids"] == "2"
    assert transcoded["total_duration"] == human_duration(600)


def test_server_filter(call_api, library):
    other = Server.objects.create(name="Other", machine_identifier="pms2")
    make_row(other, library["users"][0], 30, started=D0 + 6 * DAY, minutes=5, rating_key=999)
    assert ids(history(call_api, server="Other")) == [30]
    assert 30 not in ids(history(call_api, server=str(library["server"].pk)))
    assert 30 in ids(history(call_api))
    status, body = call_api("get_history", server="nope")
    assert status == 400 and body["response"]["message"] == "Unknown server: nope"


@pytest.mark.parametrize(
    ("params", "expected", "cut"),
    [
        # UTC: D0 is 2026-09-21.
        ({"start_date": "2026-09-21"}, [3, 2], {3: "3"}),
        ({"start_date": "2026-09-22"}, [6, 4], {3: "6"}),
        ({"before": "2026-09-21"}, [3, 2], {3: "3"}),
        ({"after": "2026-09-22"}, [7, 5, 6, 4], {3: "6"}),
        ({"after": "2026-09-22", "before": "2026-09-22"}, [6, 4], {}),
        ({"start_date": "2026-09-21,2026-09-23"}, [5, 3, 2], {}),
        ({"before": "2026-01-01"}, [], {}),
    ],
)
def test_dates_are_inclusive_local_days(call_api, library, params, expected, cut):
    data = history(call_api, **params)
    assert ids(data) == expected
    for reference_id, group_ids in cut.items():
        play = next(row for row in data["data"] if row["reference_id"] == reference_id)
        assert play["group_ids"] == group_ids and play["group_count"] == 1


def test_dates_follow_the_server_time_zone(call_api, library, settings):
    settings.TIME_ZONE = "America/New_York"
    # New York is UTC-4 then: carol's track (D0 + 25 h UTC) was played on the 21st at 21:00,
    # alice's live TV (D0 + 48 h) on the 22nd at 20:00, carol's episode (D0 + 72 h) on the 23rd.
    assert ids(history(call_api, start_date="2026-09-21")) == [4, 3, 2]
    assert ids(history(call_api, start_date="2026-09-22")) == [5, 6]
    assert ids(history(call_api, before="2026-09-20")) == []
    assert ids(history(call_api, after="2026-09-23")) == [7]
    assert ids(history(call_api, before="2026-09-21")) == [4, 3, 2]


# --- search, order, paging ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("movie b", [6]),  # full_title, case-insensitive
        ("Show A", [7, 2]),
        ("alice a", [5, 2]),  # friendly name
        ("bob", [6]),  # friendly name of spaces → username
        ("203.0.113", [6]),  # ip address
        ("plexamp", [4]),  # product
        ("htpc", [2]),  # player of the latest row
        ("shield", [7, 5, 6]),  # row 1's player is not the one shown, so play 1 does not match
        ("konvergo", [2]),  # the stored platform, before the display override
        ("no such thing", []),
    ],
)
def test_search(call_api, library, search, expected):
    data = history(call_api, search=search)
    assert ids(data) == expected
    assert data["recordsFiltered"] == len(expected)
    assert data["total_duration"] == history(call_api)["total_duration"]  # search not counted


@pytest.mark.parametrize(
    ("column", "expected_asc"),
    [
        ("date", [2, 4, 6, 5, 7]),
        ("started", [2, 6, 4, 5, 7]),
        ("stopped", [2, 4, 6, 5, 7]),
        ("duration", [4, 7, 2, 5, 6]),
        # Ties are broken by the play's reference_id, in the same direction.
        ("paused_counter", [6, 4, 5, 7, 2]),
        ("friendly_name", [2, 5, 6, 4, 7]),
        ("full_title", [6, 5, 2, 7, 4]),
        ("platform", [6, 5, 4, 2, 7]),  # the stored names, case-insensitive
        ("ip_address", [2, 4, 5, 7, 6]),
        ("player", [2, 4, 6, 5, 7]),
        ("product", [2, 6, 5, 7, 4]),
    ],
)
def test_order_columns(call_api, library, column, expected_asc):
    assert ids(history(call_api, order_column=column, order_dir="asc")) == expected_asc
    assert ids(history(call_api, order_column=column, order_dir="desc")) == expected_asc[::-1]


def test_order_dir_alone_applies_to_date(call_api, library):
    assert ids(history(call_api, order_dir="asc")) == [2, 4, 6, 5, 7]


def test_json_data_request(call_api, library):
    json_data = json.dumps(
        {
            "draw": 7,
            "columns": [{"data": "date"}, {"data": "full_title"}],
            "order": [{"column": 1, "dir": "asc"}],
            "start": 1,
            "length": 2,
            "search": {"value": "show"},
        }
    )
    data = history(call_api, json_data=json_data)
    assert data["draw"] == 7
    assert ids(data) == [7] and data["recordsFiltered"] == 2


def test_paging(call_api, library):
    everything = ids(history(call_api))
    pages = [history(call_api, start=start, length=2) for start in (0, 2, 4, 6)]
    assert [row for page in pages for row in ids(page)] == everything
    assert {page["recordsFiltered"] for page in pages} == {5}
    assert pages[-1]["data"] == [] and pages[-1]["filter_duration"] == "0"


# --- live activity -------------------------------------------------------------------------------


def test_include_activity_puts_sessions_on_top(call_api, library):
    add_sessions(library["server"])
    data = history(call_api, include_activity=1, length=4)
    assert data["recordsFiltered"] == 7
    top = data["data"][:2]
    assert [row["session_key"] for row in top] == [11, 12]
    assert [row["state"] for row in top] == ["playing", "paused"]
    for row in top:
        assert list(row) == list(ROW_KEYS)
        assert row["reference_id"] is None and row["row_id"] is None and row["id"] is None
        assert row["group_count"] is None and row["group_ids"] is None
    playing, paused = top
    assert playing["duration"] == 600 and playing["date"] == playing["started"] == D0 + 4 * DAY
    assert playing["percent_complete"] == 20 and playing["watched_status"] == 0
    assert playing["user_thumb"] == "interfaces/default/images/gravatar-default-80x80.png"
    assert paused["duration"] == 350 and paused["friendly_name"] == "carol"
    assert paused["media_index"] == "" and paused["user_thumb"] == "https://i.imgur.com/c.png"
    assert data["data"][2]["row_id"] == 7
    # Sessions answer the filters and the search, and never the reference_id filter.
    assert history(call_api, include_activity=1, user_id="103")["recordsFiltered"] == 3
    assert history(call_api, include_activity=1, search="roku")["recordsFiltered"] == 1
    assert history(call_api, include_activity=1, media_type="track")["recordsFiltered"] == 2
    assert history(call_api, include_activity=1, reference_id="1")["recordsFiltered"] == 1
    assert history(call_api, include_activity=1, start_date="2026-09-25")["recordsFiltered"] == 1
    # Default: settings.HISTORY_TABLE_ACTIVITY.
    status, body = call_api("get_history")
    assert body["response"]["data"]["recordsFiltered"] == 7
    # Sorted with the rest by other columns too, and counted in the page's duration.
    by_duration = history(call_api, include_activity=1, order_column="duration", order_dir="asc")
    assert [row["session_key"] for row in by_duration["data"][:2]] == [None, 12]
    ungrouped = history(call_api, include_activity=1, grouping=0, length=3)
    assert [row["session_key"] for row in ungrouped["data"]] == [11, 12, None]
    assert ungrouped["recordsFiltered"] == 9


def test_grouping_defaults_to_the_setting(call_api, library, settings):
    assert history(call_api)["recordsFiltered"] == 5
    settings.GROUP_HISTORY_TABLES = False
    assert history(call_api)["recordsFiltered"] == 7
    assert history(call_api, grouping=1)["recordsFiltered"] == 5


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"length": "abc"}, "Parameter length must be an integer"),
        ({"start": "-1"}, "Parameter start must be at least 0"),
        ({"order_column": "bogus"}, "Parameter order_column: unknown column 'bogus'"),
        (
            {"order_dir": "sideways", "order_column": "date"},
            "Parameter order_dir must be asc or desc",
        ),
        ({"before": "2024-13-45"}, "Parameter before must be a date YYYY-MM-DD"),
        ({"start_date": "yesterday"}, "Parameter start_date must be a date YYYY-MM-DD"),
        ({"user_id": "abc"}, "Parameter user_id must be a comma-separated list of integers"),
        ({"rating_key": "1,x"}, "Parameter rating_key must be a comma-separated list of integers"),
        ({"grouping": "maybe"}, "Parameter grouping must be 0 or 1"),
        ({"json_data": "{not json"}, "Parameter json_data is not a valid DataTables request"),
    ],
)
def test_bad_parameters_answer_400(call_api, library, params, message):
    status, body = call_api("get_history", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert body["response"]["message"].startswith(message), body["response"]["message"]


# --- the groups table follows every write ------------------------------------------------------------


def test_new_rows_updates_and_deletes_show_at_once(call_api, library):
    server, alice = library["server"], library["users"][0]
    make_row(
        server,
        alice,
        8,
        reference_id=5,
        started=D0 + 2 * DAY + 2 * HOUR,
        minutes=15,
        rating_key=500,
        live=True,
        full_title="News at Nine",
        guid="plex://episode/live",
        section_id=999999,
    )
    play = next(row for row in history(call_api)["data"] if row["reference_id"] == 5)
    assert play["group_ids"] == "5,8" and play["row_id"] == 8
    # A bulk update without signals (queryset.update) is seen too.
    History.objects.filter(pk=8).update(reference_id=8)
    assert history(call_api)["recordsFiltered"] == 6
    HistoryMetadata.objects.filter(pk=8).update(full_title="Late News")
    assert ids(history(call_api, search="late news")) == [8]
    History.objects.filter(pk__in=[8, 7]).delete()
    data = history(call_api)
    assert data["recordsFiltered"] == 4 and data["recordsTotal"] == 6
    assert HistoryGroup.objects.count() == 4


def _derived():
    return (
        list(HistoryGroup.objects.order_by("pk").values()),
        list(HistoryGroupUserTotal.objects.order_by("pk").values()),
        list(HistoryGroupState.objects.values("rows", "groups", "play_duration")),
    )


def test_rebuild_groups_matches_the_incremental_groups(library):
    sync_groups()
    incremental = _derived()
    assert incremental[2] == [
        {
            "rows": 7,
            "groups": 5,
            "play_duration": sum(r.play_duration for r in History.objects.all()),
        }
    ]
    assert [(t["user_id"], t["groups"]) for t in incremental[1]] == [(101, 2), (102, 1), (103, 2)]
    rebuild_groups()
    assert _derived() == incremental
    rebuild_groups([1, 3])
    assert _derived() == incremental


def test_user_totals_follow_changes(call_api, library):
    server, bob = library["server"], library["users"][1]
    assert history(call_api, user_id="101")["recordsFiltered"] == 2
    # A play of alice's continued by bob (mixed users) counts from its rows, for both.
    make_row(
        server,
        bob,
        9,
        reference_id=5,
        started=D0 + 2 * DAY + 2 * HOUR,
        minutes=10,
        rating_key=500,
        live=True,
        full_title="News at Nine",
        guid="plex://episode/live",
        section_id=999999,
    )
    alice_plays = history(call_api, user_id="101")
    assert alice_plays["recordsFiltered"] == 2
    play = next(row for row in alice_plays["data"] if row["reference_id"] == 5)
    assert play["group_ids"] == "5" and play["row_id"] == 5
    bob_plays = history(call_api, user_id="102")
    assert bob_plays["recordsFiltered"] == 2 and ids(bob_plays) == [9, 6]
    assert bob_plays["total_duration"] == human_duration(7200 + 5400 + 600)
    History.objects.filter(user_id=101).delete()
    assert history(call_api, user_id="101")["recordsFiltered"] == 0
    assert HistoryGroupUserTotal.objects.get(user_id=101).groups == 0


def test_one_page_costs_a_fixed_number_of_queries(call_api, library, django_assert_max_num_queries):
    add_sessions(library["server"])
    history(call_api)  # sync the groups first
    with django_assert_max_num_queries(12):
        history(call_api, include_activity=1)
    with django_assert_max_num_queries(14):
        history(call_api, include_activity=1, transcode_decision="transcode", after="2026-09-22")


# --- against Tautulli's plain computation on generated data ------------------------------------------


def _filters(params):
    return history_filters_from_params(Params({key: str(value) for key, value in params.items()}))


def _answer(filters_params, *, use_groups, order=None, search="", grouping=True):
    table = TableRequest(start=0, length=10_000, search=search, order=order or [("date", True)])
    return history_table(
        HistoryQuery(
            filters=_filters(filters_params),
            table=table,
            grouping=grouping,
            include_activity=True,
            use_groups=use_groups,
        )
    )


def test_imported_history_counts_like_tautulli(imported_tautulli, call_api):
    imported_tautulli(history_rows=2000)
    references = History.objects.values("reference_id").distinct().count()
    # Tautulli's 2 live sessions show once their server confirms them (issue 10), not before.
    assert history(call_api, include_activity=1)["recordsFiltered"] == references
    Session.objects.update(confirmed=True)
    data = history(call_api, include_activity=1, length=5)
    assert data["recordsTotal"] == 2000
    assert data["recordsFiltered"] == references + 2  # + the 2 live sessions
    assert sorted(row["state"] for row in data["data"][:2]) == ["paused", "playing"]
    assert history(call_api, grouping=0)["recordsFiltered"] == 2000


def test_groups_table_answers_like_the_plain_computation(imported_tautulli):
    imported_tautulli(history_rows=2000)
    sample = History.objects.order_by("id")
    user_id = sample[500].user_id
    rating_key = sample[700].rating_key
    dates = sorted({r.started.date().isoformat() for r in sample[::97]})
    cases = [
        {},
        {"user_id": user_id},
        {"rating_key": rating_key},
        {"media_type": "movie"},
        {"media_type": "live,track"},
        {"transcode_decision": "transcode"},
        {"transcode_decision": "direct play,copy", "user_id": user_id},
        {"after": dates[3]},
        {"before": dates[-4]},
        {"start_date": f"{dates[1]},{dates[5]}"},
        {"after": dates[2], "before": dates[-2], "section_id": "2"},
        {"guid": "plex://movie/"},
        {"user_id": user_id, "after": dates[4]},
        {"reference_id": f"{sample[10].reference_id},{sample[20].reference_id}"},
    ]
    orders = [
        ([("date", True)], ""),
        ([("duration", False)], ""),
        ([("date", True)], "the"),
        ([("full_title", False)], ""),
        ([("friendly_name", True), ("stopped", False)], "a"),
    ]
    for params, (order, search) in itertools.product(cases, orders):
        fast = _answer(params, use_groups=True, order=order, search=search)
        plain = _answer(params, use_groups=False, order=order, search=search)
        assert fast["recordsFiltered"] == plain["recordsFiltered"], params
        assert fast["total_duration"] == plain["total_duration"], params
        assert fast["data"] == plain["data"], (params, order, search)
    # The data has plays that those filters cut in two (computed from their rows).
    for params in ({"transcode_decision": "transcode"}, {"before": dates[-4]}):
        split = split_plays(_filters(params))
        assert History.objects.filter(split).exists(), params


def test_triggers_exist_on_the_database(db):
    history_tables = {"history_history", "history_historymetadata", "history_historymediainfo"}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        tables = [row[0] for row in cursor.fetchall()]
    assert {table: tables.count(table) for table in history_tables} == dict.fromkeys(
        history_tables, 3
    )


# --- collections and playlists (children read from Plex) -------------------------------------------


def test_collection_history_uses_the_items_plex_lists(call_api, library):
    from plex.testing import FakePlexServer

    server = library["server"]
    with FakePlexServer(token="tok") as pms:
        pms.route(
            "/library/collections/9000/children",
            '<MediaContainer size="2"><Video ratingKey="300"/><Directory ratingKey="2"/>'
            "</MediaContainer>",
        )
        server.url, server.token = pms.url, "tok"
        server.save()
        data = history(call_api, media_type="collection", rating_key="9000")
        # The movie (rating key 300) and every episode of the show (grandparent key 2).
        assert ids(data) == [7, 5, 6, 2]
        status, body = call_api("get_history", media_type="playlist", rating_key="9001")
        assert status == 400
        assert body["response"]["message"] == "Could not read playlist 9001 from Plex server Plex"
