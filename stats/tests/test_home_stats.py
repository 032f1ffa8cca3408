"""get_home_stats on a generated Tautulli database: every card equals a straightforward Python
computation over History rows, and looks like Tautulli's captured answers.

The reference below is written from the documented rules (stats/models.py, stats/home_stats.py),
in plain Python over ``History`` values, independently of the rollup tables and their SQL:

* a day-play is the rows of one play (``COALESCE(reference_id, id)``) started on one local date;
  it takes user, section, server, platform and title from its latest row (highest id); it is its
  play's first when no row of the play started earlier;
* a card counts play-firsts (grouping) or rows, sums ``play_duration`` (seconds), counts distinct
  users, takes the latest start and the highest id; it orders by its total (or users, then total),
  then latest start, then highest id (platform name for platforms);
* last_watched: movie/episode rows started in the window, with grouping only the latest row of
  its play among them, watched per :func:`history.watched.check_watched`, newest start first;
* most_concurrent: per local date the largest number of rows playing at one instant (a row that
  stops when another starts does not overlap it), rows cut at the date's midnights; the highest
  date wins, the latest on ties.

The dataset is imported once for the module (in a transaction rolled back at the end).
"""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from conftest import load_fixture, shared_import
from core.timeutils import local_day_end, local_day_start, to_epoch
from history.models import History
from history.platforms import platform_display
from history.watched import check_watched
from libraries.models import Library
from stats import item_users
from stats.home_stats import HOME_STAT_IDS, STAT_TITLES, home_stats, watched_q
from stats.window import StatsWindow

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"
AFTER, BEFORE = "2026-09-01", "2026-11-21"  # includes the DST change of 2026-11-01
ALL = 100_000  # stats_count that returns every row of a card

CAPTURES = (
    "get_home_stats.json",
    "get_home_stats__count3.json",
    "get_home_stats__duration.json",
    "get_home_stats__last_watched.json",
    "get_home_stats__most_concurrent.json",
    "get_home_stats__top_movies.json",
    "get_home_stats__top_tv.json",
    "get_home_stats__top_users.json",
)


# 3000 generated rows over 120 days (12 users), imported under America/New_York.
dataset = shared_import("dataset", time_zone=ZONE, history_rows=3000, users=12, days=120)


@pytest.fixture(autouse=True)
def _zone(settings):
    settings.TIME_ZONE = ZONE


def data(call_api, **params):
    status, body = call_api("get_home_stats", **params)
    assert status == 200, body
    assert body["response"]["result"] == "success", body
    return body["response"]["data"]


def window(after=AFTER, before=BEFORE, **filters) -> StatsWindow:
    return StatsWindow(
        first_day=dt.date.fromisoformat(after), last_day=dt.date.fromisoformat(before), **filters
    )


# --- the reference ------------------------------------------------------------------------------


def history_rows():
    return list(
        History.objects.values(
            "id",
            "reference_id",
            "started",
            "stopped",
            "play_duration",
            "server_id",
            "user_id",
            "section_id",
            "media_type",
            "platform",
            "view_offset",
            "metadata__live",
            "metadata__full_title",
            "metadata__original_title",
            "metadata__grandparent_title",
            "metadata__year",
            "metadata__duration",
            "metadata__marker_credits_first",
            "metadata__marker_credits_final",
            "media_info__transcode_decision",
        )
    )


def in_window(row, win: StatsWindow) -> bool:
    """The row (or day-play, by its latest row) passes the window's filters."""
    return (
        (not win.user_ids or row["user_id"] in win.user_ids)
        and (not win.section_ids or row["section_id"] in win.section_ids)
        and (win.server_id is None or row["server_id"] == win.server_id)
    )


def day_plays(rows, win: StatsWindow) -> list[dict]:
    """The day-plays of the window: {latest (row), first (bool), rows, duration, last_started,
    latest_id}."""
    groups = defaultdict(list)
    for row in rows:
        groups[row["reference_id"] or row["id"]].append(row)
    result = []
    for members in groups.values():
        play_start = min(r["started"] for r in members)
        by_day = defaultdict(list)
        for row in members:
            by_day[timezone.localtime(row["started"]).date()].append(row)
        for day, day_rows in by_day.items():
            latest = max(day_rows, key=lambda r: r["id"])
            if not (win.first_day <= day <= win.last_day) or not in_window(latest, win):
                continue
            result.append(
                {
                    "latest": latest,
                    "first": min(r["started"] for r in day_rows) == play_start,
                    "rows": len(day_rows),
                    "duration": sum(r["play_duration"] for r in day_rows),
                    "last_started": max(to_epoch(r["started"]) for r in day_rows),
                    "latest_id": latest["id"],
                }
            )
    return result


def aggregate(plays, key, win: StatsWindow) -> dict:
    """{key: {total_plays, total_duration, users_watched, last_play, row_id}}."""
    result = {}
    for play in plays:
        k = key(play["latest"])
        if k is None:
            continue
        agg = result.setdefault(
            k,
            {"total_plays": 0, "total_duration": 0, "users": set(), "last_play": 0, "row_id": 0},
        )
        agg["total_plays"] += int(play["first"]) if win.grouping else play["rows"]
        agg["total_duration"] += play["duration"]
        if play["latest"]["user_id"] is not None:
            agg["users"].add(play["latest"]["user_id"])
        agg["last_play"] = max(agg["last_play"], play["last_started"])
        agg["row_id"] = max(agg["row_id"], play["latest_id"])
    for agg in result.values():
        agg["users_watched"] = len(agg.pop("users"))
    return result


def ranked(groups: dict, total: str, *, popular=False, by_name=False) -> list:
    """Groups in the card's order: (users,) total, latest start, highest id — or, for
    platforms, total, latest start, then name ascending."""
    if by_name:
        items = sorted(groups.items(), key=lambda item: item[0])
        return sorted(items, key=lambda item: (item[1][total], item[1]["last_play"]), reverse=True)

    def order(item):
        agg = item[1]
        head = (agg["users_watched"],) if popular else ()
        return (*head, agg[total], agg["last_play"], agg["row_id"])

    return sorted(groups.items(), key=order, reverse=True)


def item_key(media_type):
    def key(row):
        if row["media_type"] != media_type:
            return None
        if media_type == "movie":
            return (row["metadata__full_title"] or "", row["metadata__year"])
        if media_type == "track":
            return (row["metadata__original_title"] or "", row["metadata__grandparent_title"] or "")
        return (row["metadata__grandparent_title"] or "",)

    return key


def reference_cards(rows, win: StatsWindow, total="total_plays") -> dict:
    """{stat_id: [comparable tuple per row]} of every ranked card."""
    plays = day_plays(rows, win)
    fields = ("total_plays", "total_duration", "last_play", "row_id")
    result = {}
    for stat_id, media_type in (("movies", "movie"), ("tv", "episode"), ("music", "track")):
        groups = aggregate(plays, item_key(media_type), win)
        result[f"top_{stat_id}"] = [
            tuple(agg[f] for f in fields) for _, agg in ranked(groups, total)
        ]
        result[f"popular_{stat_id}"] = [
            (agg["users_watched"], *(agg[f] for f in fields))
            for _, agg in ranked(groups, total, popular=True)
        ]
    users = aggregate(plays, lambda r: r["user_id"], win)
    result["top_users"] = [(k, *(a[f] for f in fields)) for k, a in ranked(users, total)]
    live_sections = set(
        Library.objects.filter(deleted_section=False).values_list("server_id", "section_id")
    )
    libraries = aggregate(
        plays,
        lambda r: (
            (r["server_id"], r["section_id"])
            if (r["server_id"], r["section_id"]) in live_sections
            else None
        ),
        win,
    )
    result["top_libraries"] = [(k[1], *(a[f] for f in fields)) for k, a in ranked(libraries, total)]
    platforms = aggregate(plays, lambda r: r["platform"] or "", win)
    result["top_platforms"] = [
        (platform_display(k), a["total_plays"], a["total_duration"], a["last_play"])
        for k, a in ranked(platforms, total, by_name=True)
    ]
    return result


def api_cards(cards) -> dict:
    """The same comparable tuples from the API's cards."""
    fields = ("total_plays", "total_duration", "last_play", "row_id")
    by_id = {card["stat_id"]: card["rows"] for card in cards}
    result = {}
    for kind in ("movies", "tv", "music"):
        result[f"top_{kind}"] = [tuple(r[f] for f in fields) for r in by_id[f"top_{kind}"]]
        # popular rows have no total_duration: compare it through the top card's rows
        durations = {r["row_id"]: r["total_duration"] for r in by_id[f"top_{kind}"]}
        result[f"popular_{kind}"] = [
            (
                r["users_watched"],
                r["total_plays"],
                durations[r["row_id"]],
                r["last_play"],
                r["row_id"],
            )
            for r in by_id[f"popular_{kind}"]
        ]
    result["top_users"] = [(r["user_id"], *(r[f] for f in fields)) for r in by_id["top_users"]]
    result["top_libraries"] = [
        (r["section_id"], *(r[f] for f in fields)) for r in by_id["top_libraries"]
    ]
    result["top_platforms"] = [
        (r["platform"], r["total_plays"], r["total_duration"], r["last_play"])
        for r in by_id["top_platforms"]
    ]
    return result


def reference_last_watched(rows, win: StatsWindow) -> list[int]:
    candidates = [
        r
        for r in rows
        if r["media_type"] in ("movie", "episode")
        and win.first_day <= timezone.localtime(r["started"]).date() <= win.last_day
        and in_window(r, win)
    ]
    if win.grouping:
        latest = {}
        for r in candidates:
            key = r["reference_id"] or r["id"]
            if key not in latest or r["id"] > latest[key]["id"]:
                latest[key] = r
        candidates = list(latest.values())
    watched = [
        r
        for r in candidates
        if check_watched(
            r["media_type"],
            r["view_offset"],
            r["metadata__duration"],
            r["metadata__marker_credits_first"],
            r["metadata__marker_credits_final"],
        )
    ]
    watched.sort(key=lambda r: (r["started"], r["id"]), reverse=True)
    return [r["id"] for r in watched]


def brute_peak(intervals):
    """(count, started, stopped) of the latest instant with the most intervals playing: checked
    at every start, a stream playing at t when start <= t < stop."""
    best = (0, None, None)
    for t in sorted({start for start, _ in intervals}):
        playing = [stop for start, stop in intervals if start <= t < stop]
        if playing and len(playing) >= best[0]:
            best = (len(playing), t, min(playing))
    return best


def reference_concurrent(rows, win: StatsWindow) -> list[tuple]:
    per_day = defaultdict(list)
    day = win.first_day
    while day <= win.last_day:
        low, high = to_epoch(local_day_start(day)), to_epoch(local_day_end(day))
        for r in rows:
            if r["stopped"] is None or not in_window(r, win):
                continue
            start, stop = to_epoch(r["started"]), to_epoch(r["stopped"])
            if start < high and stop > low and start >= low - 7 * 86400:
                piece = (max(start, low), min(stop, high))
                per_day[(day, "")].append(piece)
                decision = r["media_info__transcode_decision"]
                if decision in ("transcode", "copy", "direct play"):
                    per_day[(day, decision)].append(piece)
        day += dt.timedelta(days=1)
    best = {}
    for (_day, decision), intervals in sorted(per_day.items()):
        count, started, stopped = brute_peak(intervals)
        if count and count >= best.get(decision, (0,))[0]:
            best[decision] = (count, str(started), str(stopped))
    titles = (
        ("", "Concurrent Streams"),
        ("transcode", "Concurrent Transcodes"),
        ("copy", "Concurrent Direct Streams"),
        ("direct play", "Concurrent Direct Plays"),
    )
    return [(title, *best[d]) for d, title in titles if d in best]


def concurrent_rows(card) -> list[tuple]:
    return [(r["title"], r["count"], r["started"], r["stopped"]) for r in card["rows"]]


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stats_type", ["plays", "duration"])
def test_every_ranked_card_equals_the_reference(dataset, call_api, stats_type):
    cards = data(call_api, after=AFTER, before=BEFORE, stats_count=ALL, stats_type=stats_type)
    assert [card["stat_id"] for card in cards] == list(HOME_STAT_IDS)
    total = "total_duration" if stats_type == "duration" else "total_plays"
    expected = reference_cards(history_rows(), window(), total)
    got = api_cards(cards)
    for stat_id, rows in expected.items():
        assert rows, f"{stat_id}: the dataset should fill every card"
        assert got[stat_id] == rows, stat_id
    by_id = {card["stat_id"]: card for card in cards}
    assert by_id["top_movies"]["stat_type"] == total


def test_without_grouping_every_row_counts(dataset, call_api):
    cards = data(call_api, after=AFTER, before=BEFORE, stats_count=ALL, grouping=0)
    rows = history_rows()
    expected = reference_cards(rows, window(grouping=False))
    got = api_cards(cards)
    assert got == expected
    grouped = api_cards(data(call_api, after=AFTER, before=BEFORE, stats_count=ALL, grouping=1))
    # resumed plays make the ungrouped counts larger
    assert sum(r[1] for r in got["top_users"]) > sum(r[1] for r in grouped["top_users"])
    assert sum(r[2] for r in got["top_users"]) == sum(r[2] for r in grouped["top_users"])


def test_user_and_section_filters(dataset, call_api):
    rows = history_rows()
    user_id = History.objects.order_by("-id").values_list("user_id", flat=True)[0]
    for params, win in (
        ({"user_id": user_id}, window(user_ids=(user_id,))),
        ({"section_id": 2}, window(section_ids=(2,))),
        ({"section_id": "1,3"}, window(section_ids=(1, 3))),
    ):
        cards = data(call_api, after=AFTER, before=BEFORE, stats_count=ALL, **params)
        assert api_cards(cards) == reference_cards(rows, win), params
        by_id = {card["stat_id"]: card for card in cards}
        assert [r["row_id"] for r in by_id["last_watched"]["rows"]] == reference_last_watched(
            rows, win
        )
        assert concurrent_rows(by_id["most_concurrent"]) == reference_concurrent(rows, win)
        if "user_id" in params:
            assert [r["user_id"] for r in by_id["top_users"]["rows"]] == [user_id]
        else:
            assert {r["section_id"] for r in by_id["top_libraries"]["rows"]} <= {1, 2, 3}


def test_last_watched_equals_the_reference(dataset, call_api):
    rows = history_rows()
    for grouping in (1, 0):
        card = data(
            call_api,
            after=AFTER,
            before=BEFORE,
            stats_count=ALL,
            stat_id="last_watched",
            grouping=grouping,
        )
        ids = [row["row_id"] for row in card["rows"]]
        assert ids == reference_last_watched(rows, window(grouping=bool(grouping)))
        assert len(ids) > 100
        stamps = [row["last_watch"] for row in card["rows"]]
        assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("marker", [0, 1, 2, 3])
def test_watched_condition_in_sql_is_check_watched(dataset, settings, marker):
    """The SQL rule of last_watched agrees with history.watched on every movie and episode."""
    settings.WATCHED_MARKER = marker
    settings.TV_WATCHED_PERCENT = 70
    in_sql = set(
        History.objects.filter(media_type__in=("movie", "episode"))
        .filter(watched_q())
        .values_list("id", flat=True)
    )
    expected = {
        r["id"]
        for r in history_rows()
        if r["media_type"] in ("movie", "episode")
        and check_watched(
            r["media_type"],
            r["view_offset"],
            r["metadata__duration"],
            r["metadata__marker_credits_first"],
            r["metadata__marker_credits_final"],
        )
    }
    assert in_sql == expected
    assert 0 < len(expected) < History.objects.filter(media_type__in=("movie", "episode")).count()


def test_most_concurrent_equals_the_reference(dataset, call_api):
    card = data(call_api, after=AFTER, before=BEFORE, stat_id="most_concurrent")
    expected = reference_concurrent(history_rows(), window())
    assert [row[0] for row in expected] == [
        "Concurrent Streams",
        "Concurrent Transcodes",
        "Concurrent Direct Streams",
        "Concurrent Direct Plays",
    ]
    assert concurrent_rows(card) == expected


def test_paging_with_stats_start(dataset, call_api):
    everything = data(call_api, after=AFTER, before=BEFORE, stats_count=ALL)
    page = data(call_api, after=AFTER, before=BEFORE, stats_start=2, stats_count=3)
    for full, part in zip(everything, page, strict=True):
        if full["stat_id"] == "most_concurrent":
            assert part["rows"] == full["rows"]  # not paged, as Tautulli
        else:
            assert part["rows"] == full["rows"][2:5], full["stat_id"]
    empty = data(call_api, after=AFTER, before=BEFORE, stats_start=ALL)
    assert all(not c["rows"] for c in empty if c["stat_id"] != "most_concurrent")


def test_a_card_costs_a_fixed_number_of_queries(dataset, call_api):
    data(call_api, after=AFTER, before=BEFORE)  # rollup in sync
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (1, 25):
        with CaptureQueriesContext(connection) as ctx:
            data(call_api, after=AFTER, before=BEFORE, stats_count=count)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 25


@pytest.mark.parametrize("days", [7, 30, 365])
def test_windows_to_today_count_users_from_their_latest_dates(dataset, call_api, days):
    """A window running to today counts the popular cards' users from ItemUserLast and sums
    only the titles that can be on the page: the same cards, every page, with a user filter."""
    today = timezone.localdate()
    rows = history_rows()
    user_id = History.objects.order_by("-id").values_list("user_id", flat=True)[0]
    for params, filters in (({}, {}), ({"user_id": user_id}, {"user_ids": (user_id,)})):
        win = window(after=str(today - dt.timedelta(days=days - 1)), before=str(today), **filters)
        assert item_users.answers(win)
        cards = data(call_api, time_range=days, stats_count=ALL, **params)
        got, expected = api_cards(cards), reference_cards(rows, win)
        for stat_id in ("popular_movies", "popular_tv", "popular_music"):
            assert got[stat_id] == expected[stat_id], (stat_id, params)
        full = {card["stat_id"]: card["rows"] for card in cards}
        for start, count in ((0, 1), (2, 3), (5, 10)):
            page = data(call_api, time_range=days, stats_start=start, stats_count=count, **params)
            for card in page:
                if card["stat_id"].startswith("popular_"):
                    assert card["rows"] == full[card["stat_id"]][start : start + count]


def test_earlier_windows_and_library_filters_count_users_from_the_rollup(dataset, call_api):
    """A window with history after it, or a library filter, sums per title and user."""
    rows = history_rows()
    for params, win in (
        ({"after": "2026-09-01", "before": "2026-10-15"}, window(before="2026-10-15")),
        ({"section_id": 2}, window(section_ids=(2,))),
    ):
        assert not item_users.answers(win)
        cards = data(call_api, **{"after": AFTER, "before": BEFORE, **params}, stats_count=ALL)
        got, expected = api_cards(cards), reference_cards(rows, win)
        for stat_id in ("popular_movies", "popular_tv", "popular_music"):
            assert got[stat_id] == expected[stat_id], (stat_id, params)


def test_default_window_is_the_last_30_days(dataset, call_api):
    today = timezone.localdate()
    explicit = data(
        call_api,
        after=str(today - dt.timedelta(days=29)),
        before=str(today),
        stats_count=ALL,
    )
    assert data(call_api, stats_count=ALL) == explicit
    assert data(call_api, stats_count=ALL, time_range=30) == explicit


def test_before_and_after_work(dataset, call_api):
    """Tautulli v2.17.2 fails on before/after (the capture); here they bound the window."""
    upstream = load_fixture("tautulli-dart/history/get_home_stats__before_400.json")
    assert upstream["response"]["result"] == "error"

    card = data(call_api, after="2026-10-01", before="2026-10-15", stat_id="last_watched",
                stats_count=ALL)  # fmt: skip
    assert card["rows"]
    for row in card["rows"]:
        local = timezone.localtime(dt.datetime.fromtimestamp(row["last_watch"], tz=dt.UTC))
        assert dt.date(2026, 10, 1) <= local.date() <= dt.date(2026, 10, 15)
    # before alone: time_range days ending that day
    assert data(call_api, before="2026-10-15", time_range=15, stats_count=ALL) == data(
        call_api, after="2026-10-01", before="2026-10-15", stats_count=ALL
    )
    # after alone runs to today
    today = timezone.localdate()
    assert data(call_api, after="2026-10-01", stats_count=ALL) == data(
        call_api, after="2026-10-01", before=str(today), stats_count=ALL
    )


def test_home_stats_function_for_the_dashboard(dataset):
    """The admin dashboard calls home_stats() directly with a window."""
    cards = home_stats(window(), stat_ids=["top_users", "top_movies"], stats_count=2)
    assert [c["stat_id"] for c in cards] == ["top_users", "top_movies"]
    assert all(len(c["rows"]) == 2 for c in cards)
    with pytest.raises(ValueError):
        home_stats(window(), stat_ids=["nope"])
    with pytest.raises(ValueError):
        home_stats(window(), stats_type="bogus")


# --- shapes against Tautulli's captures -----------------------------------------------------------

# Keys whose value may be "" where the captures happen to show only numbers: a missing year,
# index or key is "" in Tautulli's rows (as for "Dickinson"'s year in get_home_stats.json).
NULLABLE = {"year", "media_index", "parent_media_index", "grandparent_rating_key", "rating_key"}


def captured_cards() -> list[dict]:
    cards = []
    for name in CAPTURES:
        payload = load_fixture(f"tautulli-dart/history/{name}")["response"]["data"]
        cards.extend(payload if isinstance(payload, list) else [payload])
    return cards


def json_type(value) -> str:
    return type(value).__name__


def capture_shapes():
    """{stat_id: (card keys, row keys, {key: {types}})} from every capture; music cards (empty
    in the captures) have the shape of the TV cards (reference 1.3: "same")."""
    shapes = {}
    for card in captured_cards():
        keys, row_keys, types = shapes.setdefault(
            card["stat_id"], (list(card), None, defaultdict(set))
        )
        assert keys == list(card)
        for row in card["rows"]:
            if row_keys is None:
                row_keys = list(row)
                shapes[card["stat_id"]] = (keys, row_keys, types)
            assert list(row) == row_keys
            for key, value in row.items():
                types[key].add(json_type(value))
    for music, tv in (("top_music", "top_tv"), ("popular_music", "popular_tv")):
        shapes[music] = (shapes[music][0], shapes[tv][1], shapes[tv][2])
    return shapes


def assert_card_shape(card, shapes):
    keys, row_keys, types = shapes[card["stat_id"]]
    assert list(card) == keys, card["stat_id"]
    assert card["stat_title"] == STAT_TITLES[card["stat_id"]]
    for row in card["rows"]:
        assert list(row) == row_keys, card["stat_id"]
        for key, value in row.items():
            allowed = set(types[key]) | ({"str"} if key in NULLABLE else set())
            assert json_type(value) in allowed, (card["stat_id"], key, value)


def test_cards_have_tautullis_keys_and_types(dataset, call_api):
    shapes = capture_shapes()
    assert set(shapes) == set(HOME_STAT_IDS)
    cards = data(call_api, after=AFTER, before=BEFORE)
    assert [card["stat_id"] for card in cards] == list(HOME_STAT_IDS)
    for card in cards:
        assert card["rows"], card["stat_id"]
        assert len(card["rows"]) <= 10
        assert_card_shape(card, shapes)
    by_id = {card["stat_id"]: card for card in cards}
    movie = by_id["top_movies"]["rows"][0]
    assert movie["grandparent_rating_key"] == "" and movie["grandparent_thumb"] == ""
    assert movie["users_watched"] == "" and movie["media_type"] == "movie"
    show = by_id["top_tv"]["rows"][0]
    assert show["rating_key"] == show["grandparent_rating_key"] != ""
    assert show["thumb"] == show["grandparent_thumb"]
    platform = by_id["top_platforms"]["rows"][0]
    assert platform["platform_name"] != "default" and platform["row_id"] == ""


def test_single_card_count_and_duration_like_the_captures(dataset, call_api):
    shapes = capture_shapes()
    for stat_id in ("top_movies", "top_tv", "top_users", "last_watched", "most_concurrent"):
        captured = load_fixture(f"tautulli-dart/history/get_home_stats__{stat_id}.json")
        card = data(call_api, after=AFTER, before=BEFORE, stat_id=stat_id)
        assert isinstance(card, dict) and isinstance(captured["response"]["data"], dict)
        assert card["stat_id"] == stat_id
        assert_card_shape(card, shapes)

    count3 = data(call_api, after=AFTER, before=BEFORE, stats_count=3)
    for card in count3:
        assert len(card["rows"]) <= (4 if card["stat_id"] == "most_concurrent" else 3)
        assert_card_shape(card, shapes)

    duration = data(call_api, after=AFTER, before=BEFORE, stats_type="duration")
    by_id = {card["stat_id"]: card for card in duration}
    for stat_id in ("top_movies", "top_tv", "top_music", "top_libraries", "top_users"):
        assert by_id[stat_id]["stat_type"] == "total_duration"
        totals = [row["total_duration"] for row in by_id[stat_id]["rows"]]
        assert totals == sorted(totals, reverse=True)
    assert "stat_type" not in by_id["popular_tv"]
    # 0/1 are Tautulli's older spelling of plays/duration
    assert data(call_api, after=AFTER, before=BEFORE, stats_type=1) == duration


@pytest.mark.parametrize(
    "params",
    [
        {"stat_id": "top_everything"},
        {"stats_count": "-1"},
        {"stats_start": "-3"},
        {"stats_count": "ten"},
        {"time_range": "x"},
        {"after": "2026-10-10", "before": "2026-10-01"},
        {"after": "yesterday"},
        {"server": "no such server"},
        {"user_id": "bob"},
    ],
)
def test_bad_parameters_answer_an_error(db, call_api, params):
    status, body = call_api("get_home_stats", **params)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert body["response"]["message"]
