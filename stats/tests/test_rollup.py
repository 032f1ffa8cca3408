"""The daily rollups: equal to a plain computation over History, and kept equal as history changes.

The reference below is written from the rule in stats/models.py, in Python over raw History rows,
independently of the rollup's SQL.
"""

import datetime as dt
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from model_bakery import baker

from conftest import bake_play
from history.models import History, HistoryMediaInfo, HistoryMetadata
from stats.concurrency import peak
from stats.models import (
    DailyConcurrency,
    DailyItems,
    DailyPlays,
    DailyStreams,
    HourlyPlays,
    ItemUserLast,
    RollupDirtyDay,
)
from stats.rollup import rebuild_rollup, sync_rollup

pytestmark = pytest.mark.django_db

COMMON = ("period", "date", "server_id", "user_id", "section_id", "media_type", "live")
LAST = ("last_started", "last_history_id")
TABLES = {
    DailyPlays: (COMMON, ("plays", "rows", "duration", "first_plays", "month_plays", *LAST)),
    HourlyPlays: ((*COMMON, "hour"), ("plays", "rows", "duration", *LAST)),
    DailyStreams: (
        (*COMMON, "platform", "transcode_decision", "source_resolution", "stream_resolution"),
        ("plays", "rows", "duration", "first_plays", *LAST),
    ),
    DailyItems: (
        (*COMMON, "title", "parent_title", "year"),
        ("plays", "rows", "duration", "first_plays", *LAST),
    ),
}
ITEM_USER_KEY = ("media_type", "title", "parent_title", "year", "user_id")
MONTH_TABLES = {DailyPlays: "m", DailyStreams: "mt", DailyItems: "mt"}


def snapshot(model) -> dict:
    """{key tuple: counters tuple} of a rollup table (keys are unique by construction)."""
    keys, counters = TABLES[model]
    result = {}
    for row in model.objects.values(*keys, *counters):
        key = tuple(row[k] for k in keys)
        assert key not in result, f"{model.__name__}: duplicate key {key}"
        result[key] = tuple(row[c] for c in counters)
    return result


def concurrency_snapshot() -> dict:
    return {
        (row.date, row.server_id, row.transcode_decision): (
            row.peak,
            row.peak_started,
            row.peak_stopped,
        )
        for row in DailyConcurrency.objects.all()
    }


def all_snapshots() -> dict:
    return {
        **{model.__name__: snapshot(model) for model in TABLES},
        "concurrency": concurrency_snapshot(),
        "ItemUserLast": item_users_snapshot(),
    }


def item_users_snapshot() -> dict:
    result = {}
    for row in ItemUserLast.objects.values(*ITEM_USER_KEY, "last_date"):
        key = tuple(row[k] for k in ITEM_USER_KEY)
        assert key not in result, f"ItemUserLast: duplicate key {key}"
        result[key] = row["last_date"]
    return result


def reference_item_users(daily_items: dict) -> dict:
    """Per (media type, title, parent title, year, user): the latest date of a d row."""
    result = {}
    for key in daily_items:
        period, date, _server, user_id, _section, media_type, _live, title, parent, year = key
        if period == "d":
            item_key = (media_type, title, parent, year, user_id)
            result[item_key] = max(result.get(item_key, date), date)
    return result


# --- the reference computation --------------------------------------------------------------------


def stream_resolution(mi) -> str:
    if mi.get("stream_video_full_resolution"):
        return mi["stream_video_full_resolution"]
    if mi.get("video_decision") == "transcode":
        height = mi.get("transcode_height")
        if height is None:
            return ""
        for limit, name in ((360, "SD"), (480, "480"), (576, "576"), (720, "720"), (1080, "1080")):
            if height <= limit:
                return name
        return "QHD" if height <= 1440 else "4k" if height <= 2160 else "unknown"
    return mi.get("video_full_resolution") or ""


def reference_rollup() -> dict:
    """Every rollup table computed in Python from History, per the rule of stats/models.py."""
    rows = list(
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
            "metadata__live",
            "metadata__full_title",
            "metadata__original_title",
            "metadata__grandparent_title",
            "metadata__year",
            "media_info__transcode_decision",
            "media_info__video_full_resolution",
            "media_info__stream_video_full_resolution",
            "media_info__video_decision",
            "media_info__transcode_height",
        )
    )
    by_group = defaultdict(list)
    for row in rows:
        row["local"] = timezone.localtime(row["started"])
        by_group[row["reference_id"] or row["id"]].append(row)
    day_plays = defaultdict(list)
    for key, group_rows in by_group.items():
        for row in group_rows:
            day_plays[(row["local"].date(), key)].append(row)

    tables = {name.__name__: defaultdict(lambda: [0, 0, 0, 0, 0]) for name in TABLES}
    last: dict = {}
    for (day, key), members in day_plays.items():
        latest = max(members, key=lambda r: r["id"])
        first_local = min(r["local"] for r in members)
        group_first = min(r["started"] for r in by_group[key])
        month_start = first_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        is_first = int(min(r["started"] for r in members) == group_first)
        is_month_first = int(
            not any(
                month_start <= r["local"] < first_local
                for r in by_group[key]
                if r["started"] < min(m["started"] for m in members)
            )
        )
        rows_count, duration = len(members), sum(r["play_duration"] for r in members)
        common = (
            "d",
            day,
            latest["server_id"],
            latest["user_id"],
            latest["section_id"],
            latest["media_type"] or "",
            bool(latest["metadata__live"]),
        )
        mi = {k.removeprefix("media_info__"): v for k, v in latest.items()}

        last_started = int(max(r["started"] for r in members).timestamp())

        def add(
            table,
            key_tuple,
            *extra,
            rows_count=rows_count,
            duration=duration,
            latest=latest,
            last_started=last_started,
        ):
            counters = tables[table][key_tuple]
            for index, value in enumerate((1, rows_count, duration, *extra)):
                counters[index] += value
            previous = last.get((table, key_tuple), (0, 0))
            last[(table, key_tuple)] = (
                max(previous[0], last_started),
                max(previous[1], latest["id"]),
            )

        add("DailyPlays", common, is_first, is_month_first)
        add("HourlyPlays", (*common, first_local.hour))
        add(
            "DailyStreams",
            (
                *common,
                latest["platform"] or "",
                latest["media_info__transcode_decision"] or "",
                latest["media_info__video_full_resolution"] or "",
                stream_resolution(mi),
            ),
            is_first,
        )
        media_type = latest["media_type"]
        title = {
            "movie": latest["metadata__full_title"],
            "track": latest["metadata__original_title"],
        }.get(media_type, latest["metadata__grandparent_title"])
        item_key = (
            *common,
            title or "",
            (latest["metadata__grandparent_title"] or "") if media_type == "track" else "",
            latest["metadata__year"] if media_type == "movie" else None,
        )
        add("DailyItems", item_key, is_first)

    result = {}
    for model, (_keys, counters) in TABLES.items():
        table = {}
        for key, values in tables[model.__name__].items():
            values = values[: len(counters) - 2] + list(last[(model.__name__, key)])
            table[key] = tuple(values)
        result[model.__name__] = table
    for model, periods in MONTH_TABLES.items():
        result[model.__name__].update(month_rows(result[model.__name__], periods))
    result["concurrency"] = reference_concurrency(rows)
    result["ItemUserLast"] = reference_item_users(result["DailyItems"])
    return result


def month_rows(day_rows: dict, periods: str) -> dict:
    """The m (and t) rows a table's d rows sum to: the date becomes the month's first day (and
    the user None for t); counters are summed, the last two are maxima."""
    result: dict = {}
    for key, values in day_rows.items():
        for period in periods:
            month_key = list(key)
            month_key[0], month_key[1] = period, key[1].replace(day=1)
            if period == "t":
                month_key[3] = None
            month_key = tuple(month_key)
            if month_key in result:
                old = result[month_key]
                result[month_key] = tuple(
                    [a + b for a, b in zip(old[:-2], values[:-2], strict=True)]
                    + [max(old[-2], values[-2]), max(old[-1], values[-1])]
                )
            else:
                result[month_key] = values
    return result


def reference_concurrency(rows) -> dict:
    """Peak overlap per local date over the instants of that date (stats/concurrency.py rule)."""
    if not rows:
        return {}
    first = min(timezone.localtime(r["started"]).date() for r in rows)
    last = max(timezone.localtime(r["stopped"]).date() for r in rows)
    result = {}
    day = first
    while day <= last + dt.timedelta(days=1):
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
        lo, hi = int(start.timestamp()), int(end.timestamp())
        for server in {None} | {r["server_id"] for r in rows}:
            for decision in ("", "direct play", "copy", "transcode"):
                intervals = [
                    (max(int(r["started"].timestamp()), lo), min(int(r["stopped"].timestamp()), hi))
                    for r in rows
                    if r["started"] < end
                    and r["stopped"] > start
                    and r["started"] >= start - dt.timedelta(days=7)
                    and (server is None or r["server_id"] == server)
                    and (not decision or r["media_info__transcode_decision"] == decision)
                ]
                count, started, stopped = peak(intervals)
                if count:
                    result[(day, server, decision)] = (count, started, stopped)
        day += dt.timedelta(days=1)
    return result


def assert_same(actual: dict, expected: dict):
    for name in expected:
        missing = expected[name].keys() - actual[name].keys()
        extra = actual[name].keys() - expected[name].keys()
        assert not missing and not extra, (name, sorted(missing)[:3], sorted(extra)[:3])
        wrong = {k: (actual[name][k], v) for k, v in expected[name].items() if actual[name][k] != v}
        assert not wrong, (name, list(wrong.items())[:3])


# --- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
def test_rollup_equals_a_plain_computation_over_history(imported_tautulli, settings, time_zone):
    settings.TIME_ZONE = time_zone
    imported_tautulli(history_rows=1500, users=8, days=60)
    sync_rollup()
    assert_same(all_snapshots(), reference_rollup())


def test_changing_the_time_zone_rebuilds_the_dates(imported_tautulli, settings):
    imported_tautulli(history_rows=600, users=5, days=30)
    sync_rollup()
    utc_days = set(DailyPlays.objects.values_list("date", "plays"))
    settings.TIME_ZONE = "Asia/Tokyo"
    sync_rollup()
    assert set(DailyPlays.objects.values_list("date", "plays")) != utc_days
    assert_same(all_snapshots(), reference_rollup())


def test_incremental_maintenance_equals_a_rebuild(imported_tautulli, settings):
    settings.TIME_ZONE = "America/New_York"
    result = imported_tautulli(history_rows=1500, users=8, days=60)
    sync_rollup()
    server = result.server
    rows = list(History.objects.order_by("id"))
    # A play deleted, a row of another play deleted, a platform changed, a decision changed.
    History.objects.filter(pk=rows[10].pk).delete()
    History.objects.filter(reference_id=rows[20].reference_id).delete()
    History.objects.filter(pk=rows[30].pk).update(platform="Roku")
    HistoryMediaInfo.objects.filter(pk=rows[40].pk).update(transcode_decision="transcode")
    HistoryMetadata.objects.filter(pk=rows[50].pk).update(live=True)
    # A new play, and a continuation of an existing play the next day (a play over two days).
    user = rows[60].user
    new = bake_play(
        server,
        user,
        stopped=timezone.now() - dt.timedelta(hours=3),
        seconds=1800,
        media_type="movie",
        section_id=rows[60].section_id,
        platform="Chrome",
    )
    baker.make(HistoryMetadata, history=new, full_title="A New Film", year=2024, live=False)
    baker.make(HistoryMediaInfo, history=new, transcode_decision="copy")
    base = rows[70]
    continuation = bake_play(
        server,
        base.user,
        stopped=base.stopped + dt.timedelta(days=1, hours=1),
        seconds=600,
        continues=base,
        media_type=base.media_type,
        section_id=base.section_id,
        platform=base.platform,
    )
    baker.make(HistoryMetadata, history=continuation, full_title="Continued", live=False)
    baker.make(HistoryMediaInfo, history=continuation, transcode_decision="direct play")

    sync_rollup()
    assert not RollupDirtyDay.objects.exists()
    incremental = all_snapshots()
    assert_same(incremental, reference_rollup())
    rebuild_rollup()
    assert incremental == all_snapshots()


def test_rebuild_stats_command(imported_tautulli):
    imported_tautulli(history_rows=400, users=6, days=30)
    DailyPlays.objects.all().delete()
    out = StringIO()
    call_command("rebuild_stats", stdout=out)
    assert "Statistics rebuilt" in out.getvalue()
    assert_same(all_snapshots(), reference_rollup())


def test_rebuild_stats_if_needed_builds_once(imported_tautulli, settings):
    imported_tautulli(history_rows=400, users=6, days=30)
    sync_rollup()
    DailyPlays.objects.all().delete()
    call_command("rebuild_stats", "--if-needed", stdout=StringIO())
    assert not DailyPlays.objects.exists()  # already built: nothing to do
    settings.TIME_ZONE = "Europe/Paris"
    out = StringIO()
    call_command("rebuild_stats", "--if-needed", stdout=out)
    assert "Statistics rebuilt" in out.getvalue()
    assert_same(all_snapshots(), reference_rollup())


def test_the_scheduler_brings_the_statistics_up_to_date(imported_tautulli):
    from django_q.models import Schedule

    from stats.tasks import SCHEDULE_NAME, update_statistics

    schedule = Schedule.objects.get(name=SCHEDULE_NAME)  # created by the migration
    assert (schedule.func, schedule.minutes, schedule.repeats) == (
        "stats.tasks.update_statistics",
        1,
        -1,
    )
    result = imported_tautulli(history_rows=400, users=6, days=30)
    sync_rollup()
    row = History.objects.order_by("-started").first()
    bake_play(
        result.server,
        row.user,
        stopped=row.stopped + dt.timedelta(hours=2),
        seconds=900,
        media_type="movie",
        section_id=row.section_id,
    )
    update_statistics()  # what the cluster runs every minute
    assert not RollupDirtyDay.objects.exists()
    assert_same(all_snapshots(), reference_rollup())
