"""Every graph equals a straightforward Python computation over History rows.

The reference below is written from the documented rules (stats/models.py, stats/graphs.py),
in plain Python over ``History`` values, independently of the rollup tables and their SQL:

* a day-play is the rows of one play (``COALESCE(reference_id, id)``) started on one local date;
  its attributes are those of its latest row (highest id), its hour the local hour of its first
  row; it is its play's first when no row of the play started earlier, its month's first when
  none started earlier in that local month;
* date/day-of-week/hour/library/stream-type graphs count day-plays (grouping) or rows; per month
  counts month-firsts or rows; top-10 and resolution graphs count play-firsts or rows;
  ``duration`` sums seconds;
* concurrency: per local date, the largest number of the rows playing at one instant of it.
"""

import datetime as dt
from collections import defaultdict

import pytest
from django.utils import timezone

from conftest import shared_import
from history.models import History
from history.platforms import PLATFORM_NAME_OVERRIDES
from libraries.models import Library
from stats.graphs import GRAPHS
from stats.window import StatsWindow
from users.models import User, friendly_name_or_username

pytestmark = pytest.mark.django_db

MEDIA = (("TV", "show"), ("Movies", "movie"), ("Music", "artist"), ("Live TV", "live"))
DECISIONS = (("Direct Play", "direct play"), ("Direct Stream", "copy"), ("Transcode", "transcode"))
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


# --- the reference ------------------------------------------------------------------------------


def stream_resolution(row) -> str:
    if row["media_info__stream_video_full_resolution"]:
        return row["media_info__stream_video_full_resolution"]
    if row["media_info__video_decision"] == "transcode":
        height = row["media_info__transcode_height"]
        if height is None:
            return ""
        for limit, name in ((360, "SD"), (480, "480"), (576, "576"), (720, "720"), (1080, "1080")):
            if height <= limit:
                return name
        return "QHD" if height <= 1440 else "4k" if height <= 2160 else "unknown"
    return row["media_info__video_full_resolution"] or ""


def kind(media_type, live):
    if live:
        return "Live TV"
    return {"episode": "TV", "movie": "Movies", "track": "Music"}.get(media_type)


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
            "metadata__live",
            "media_info__transcode_decision",
            "media_info__video_full_resolution",
            "media_info__stream_video_full_resolution",
            "media_info__video_decision",
            "media_info__transcode_height",
        )
    )


def day_plays(rows) -> list[dict]:
    """The day-plays of ``rows`` (dicts of their counters and latest-row attributes)."""
    plays = defaultdict(list)
    for row in rows:
        row["local"] = timezone.localtime(row["started"])
        plays[row["reference_id"] or row["id"]].append(row)
    result = []
    for members in plays.values():
        by_day = defaultdict(list)
        for row in members:
            by_day[row["local"].date()].append(row)
        for day, day_rows in by_day.items():
            latest = max(day_rows, key=lambda r: r["id"])
            first = min(day_rows, key=lambda r: r["started"])
            month_start = first["local"].replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            result.append(
                {
                    "date": day,
                    "hour": first["local"].hour,
                    "rows": len(day_rows),
                    "duration": sum(r["play_duration"] for r in day_rows),
                    "first": not any(r["started"] < first["started"] for r in members),
                    "month_first": not any(
                        r["started"] < first["started"] and r["local"] >= month_start
                        for r in members
                    ),
                    "server_id": latest["server_id"],
                    "user_id": latest["user_id"],
                    "section_id": latest["section_id"],
                    "kind": kind(latest["media_type"], latest["metadata__live"]),
                    "video": latest["media_type"] in ("movie", "episode"),
                    "platform": PLATFORM_NAME_OVERRIDES.get(latest["platform"], latest["platform"])
                    or "Unknown",
                    "decision": latest["media_info__transcode_decision"] or "",
                    "source": latest["media_info__video_full_resolution"] or "Unknown",
                    "stream": stream_resolution(latest) or "Unknown",
                }
            )
    return result


_CONCURRENT: dict = {}  # the concurrency of the last window (it has no y_axis/grouping)


class Reference:
    """Expected graphs for one window over precomputed day-plays."""

    def __init__(self, plays, rows, window: StatsWindow):
        self.window = window
        self.rows = rows
        self.plays = [
            p
            for p in plays
            if window.first_day <= p["date"] <= window.last_day
            and (not window.user_ids or p["user_id"] in window.user_ids)
            and (not window.section_ids or p["section_id"] in window.section_ids)
            and (window.server_id is None or p["server_id"] == window.server_id)
        ]
        libraries = Library.objects.filter(deleted_section=False)
        if window.server_id is not None:
            libraries = libraries.filter(server_id=window.server_id)
        self.library_types = set(libraries.values_list("section_type", flat=True))
        if any(r["metadata__live"] and window.server_id in (None, r["server_id"]) for r in rows):
            self.library_types.add("live")  # Live TV: a live library or any live play
        self.users = {
            u.user_id: friendly_name_or_username(u.friendly_name, u.username)
            for u in User.objects.all()
        }

    def value(self, play, counter) -> int:
        """A day-play's contribution: seconds, or 1/rows by the counting rule ``counter``."""
        if self.window.y_axis == "duration":
            return play["duration"]
        if not self.window.grouping:
            return play["rows"]
        return int(play[counter]) if counter != "plays" else 1

    def media(self, buckets, bucket_of, counter="plays"):
        data = {name: [0] * len(buckets) for name, _t in MEDIA}
        index = {b: i for i, b in enumerate(buckets)}
        for play in self.plays:
            if play["kind"]:
                data[play["kind"]][index[bucket_of(play)]] += self.value(play, counter)
        return [
            {"name": name, "data": data[name]}
            for name, section_type in MEDIA
            if section_type in self.library_types or any(data[name])
        ]

    def days(self):
        return [self.window.first_day + dt.timedelta(n) for n in range(self.span())]

    def span(self):
        return (self.window.last_day - self.window.first_day).days + 1

    def by_date(self):
        days = self.days()
        series = self.media(days, lambda p: p["date"])
        total = [sum(column) for column in zip(*(s["data"] for s in series), strict=True)]
        series.append({"name": "Total", "data": total or [0] * len(days)})
        return {"categories": [d.isoformat() for d in days], "series": series}

    def by_dayofweek(self, monday_first=False):
        order = [1, 2, 3, 4, 5, 6, 0] if monday_first else list(range(7))
        series = self.media(order, lambda p: p["date"].isoweekday() % 7)
        return {"categories": [DAYS[d] for d in order], "series": series}

    def by_hourofday(self):
        series = self.media(list(range(24)), lambda p: p["hour"])
        return {"categories": [f"{h:02d}" for h in range(24)], "series": series}

    def per_month(self):
        months, month = [], self.window.first_day.replace(day=1)
        while month <= self.window.last_day:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        series = self.media(months, lambda p: p["date"].replace(day=1), counter="month_first")
        return {"categories": [f"{MONTHS[m.month - 1]} {m.year}" for m in months], "series": series}

    def top(self, key_of, names, columns, column_of, *, video_only=False, total_of=None):
        """Top 10 groups by total (then name, then key), zero totals left out."""
        groups = defaultdict(lambda: defaultdict(int))
        for play in self.plays:
            if video_only and not play["video"]:
                continue
            value = self.value(play, "first")
            groups[key_of(play)][column_of(play)] += value
            if total_of is None or total_of(play):
                groups[key_of(play)]["__total"] += value
        ranked = sorted(
            (key for key, counts in groups.items() if counts["__total"] > 0),
            key=lambda key: (-groups[key]["__total"], names(key), key if key is not None else -1),
        )[:10]
        return [names(key) for key in ranked], [
            [groups[key][column] for key in ranked] for column in columns
        ]

    def top_media(self, key_of, names):
        categories, columns = self.top(key_of, names, [n for n, _t in MEDIA], lambda p: p["kind"])
        series = [
            {"name": name, "data": data}
            for (name, section_type), data in zip(MEDIA, columns, strict=True)
            if section_type in self.library_types or any(data)
        ]
        return {"categories": categories, "series": series}

    def top_decisions(self, key_of, names, video_only=False):
        categories, columns = self.top(
            key_of,
            names,
            [d for _n, d in DECISIONS],
            lambda p: p["decision"],
            video_only=video_only,
            total_of=lambda p: p["decision"] in {d for _n, d in DECISIONS},
        )
        series = [
            {"name": name, "data": data}
            for (name, _d), data in zip(DECISIONS, columns, strict=True)
        ]
        return {"categories": categories, "series": series}

    def user_name(self, user_id):
        return self.users.get(user_id) or "Unknown"

    def stream_type(self):
        days = self.days()
        index = {d: i for i, d in enumerate(days)}
        data = {d: [0] * len(days) for _n, d in DECISIONS}
        for play in self.plays:
            if play["decision"] in data:
                data[play["decision"]][index[play["date"]]] += self.value(play, "plays")
        return {
            "categories": [d.isoformat() for d in days],
            "series": [{"name": n, "data": data[d]} for n, d in DECISIONS],
        }

    def concurrent(self):
        window = self.window
        key = (window.first_day, window.last_day, window.user_ids, window.section_ids)
        key += (window.server_id, id(self.rows))
        if key not in _CONCURRENT:
            _CONCURRENT.clear()
            _CONCURRENT[key] = self._concurrent()
        return _CONCURRENT[key]

    def _concurrent(self):
        days = self.days()
        window = self.window
        streams = [
            r
            for r in self.rows
            if r["stopped"] is not None
            and (not window.user_ids or r["user_id"] in window.user_ids)
            and (not window.section_ids or r["section_id"] in window.section_ids)
            and (window.server_id is None or r["server_id"] == window.server_id)
        ]
        data = {key: [] for key in ("direct play", "copy", "transcode", "")}
        for day in days:
            start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(1), dt.time.min))
            playing = [r for r in streams if r["started"] < end and r["stopped"] > start]
            for key in data:
                events = []
                for r in playing:
                    if not key or r["media_info__transcode_decision"] == key:
                        events.append((max(r["started"], start), 1))
                        events.append((min(r["stopped"], end), -1))
                count = best = 0
                for _time, delta in sorted(events):  # a stop sorts before a start at one instant
                    count += delta
                    best = max(best, count)
                data[key].append(best)
        series = [{"name": n, "data": data[d]} for n, d in DECISIONS]
        series.append({"name": "Max. Concurrent Streams", "data": data[""]})
        return {"categories": [d.isoformat() for d in days], "series": series}

    def by_library(self):
        days = self.days()
        index = {d: i for i, d in enumerate(days)}
        data = {}
        for play in self.plays:
            key = (play["server_id"], play["section_id"])
            data.setdefault(key, [0] * len(days))[index[play["date"]]] += self.value(play, "plays")
        names = {
            (server_id, section_id): name
            for server_id, section_id, name in Library.objects.values_list(
                "server_id", "section_id", "section_name"
            )
        }

        def name(key):
            if key[1] is None:
                return "Unknown library"
            return names.get(key) or f"Library {key[1]}"

        order = sorted(data, key=lambda key: (name(key).lower(), key[0], key[1] or 0))
        return {
            "categories": [d.isoformat() for d in days],
            "series": [{"name": name(key), "data": data[key]} for key in order],
        }

    def graph(self, name):
        return {
            "plays_by_date": self.by_date,
            "plays_by_dayofweek": self.by_dayofweek,
            "plays_by_hourofday": self.by_hourofday,
            "plays_per_month": self.per_month,
            "plays_by_top_10_platforms": lambda: self.top_media(lambda p: p["platform"], str),
            "plays_by_top_10_users": lambda: self.top_media(lambda p: p["user_id"], self.user_name),
            "plays_by_stream_type": self.stream_type,
            "concurrent_streams_by_stream_type": self.concurrent,
            "plays_by_source_resolution": lambda: self.top_decisions(
                lambda p: p["source"], str, video_only=True
            ),
            "plays_by_stream_resolution": lambda: self.top_decisions(
                lambda p: p["stream"], str, video_only=True
            ),
            "stream_type_by_top_10_users": lambda: self.top_decisions(
                lambda p: p["user_id"], self.user_name
            ),
            "stream_type_by_top_10_platforms": lambda: self.top_decisions(
                lambda p: p["platform"], str
            ),
            "plays_by_library": self.by_library,
        }[name]()


# --- tests --------------------------------------------------------------------------------------


imported = shared_import(
    "imported", time_zone="America/New_York", history_rows=3000, users=12, days=120
)


@pytest.fixture
def dataset(imported, settings):
    settings.TIME_ZONE = "America/New_York"
    result = imported
    rows = history_rows()
    return result, rows, day_plays(rows)


def local_dates(rows):
    dates = sorted(timezone.localtime(r["started"]).date() for r in rows)
    return dates[0], dates[-1]


def compare_every_graph(plays, rows, **window_fields):
    """Every graph × y_axis × grouping against the reference; returns how many were compared."""
    compared = 0
    for name in GRAPHS:
        for y_axis in ("plays", "duration"):
            for grouping in (True, False):
                window = StatsWindow(y_axis=y_axis, grouping=grouping, **window_fields)
                expected = Reference(plays, rows, window).graph(name)
                actual = GRAPHS[name](window)
                assert actual == expected, (name, y_axis, grouping)
                compared += 1
    return compared


def test_every_graph_over_the_whole_history(dataset):
    _result, rows, plays = dataset
    first, last = local_dates(rows)
    assert compare_every_graph(plays, rows, first_day=first, last_day=last) == 52
    # The data exercise what is compared: live TV, the three decisions, plays over two days.
    window = StatsWindow(first_day=first, last_day=last)
    names = {s["name"] for s in GRAPHS["plays_by_date"](window)["series"]}
    assert names == {"TV", "Movies", "Music", "Live TV", "Total"}
    assert len({p["decision"] for p in plays} & {"direct play", "copy", "transcode"}) == 3
    assert any(not p["first"] for p in plays)


def test_every_graph_over_a_range_that_cuts_plays(dataset):
    """A window starting mid-history: plays begun before it count in date graphs (day-plays)
    but not in top-10 graphs (plays begun in the window), and month-firsts restart."""
    _result, rows, plays = dataset
    first, last = local_dates(rows)
    after = first + dt.timedelta(days=37)
    before = last - dt.timedelta(days=11)
    assert compare_every_graph(plays, rows, first_day=after, last_day=before) == 52
    cut = [p for p in plays if p["date"] == after and not p["first"]]
    assert cut, "the generated data should have a play continuing across the window's start"


def test_every_graph_filtered_by_user_and_section(dataset):
    _result, rows, plays = dataset
    first, last = local_dates(rows)
    users = sorted({p["user_id"] for p in plays})[:3]
    sections = sorted({p["section_id"] for p in plays if p["section_id"] is not None})[:2]
    compare_every_graph(plays, rows, first_day=first, last_day=last, user_ids=tuple(users))
    compare_every_graph(plays, rows, first_day=first, last_day=last, section_ids=tuple(sections))
    compare_every_graph(
        plays,
        rows,
        first_day=first,
        last_day=last,
        user_ids=tuple(users),
        section_ids=tuple(sections),
        server_id=_result.server.pk,
    )


def test_day_of_week_starting_monday(dataset, settings):
    settings.WEEK_START_MONDAY = True
    _result, rows, plays = dataset
    first, last = local_dates(rows)
    window = StatsWindow(first_day=first, last_day=last)
    expected = Reference(plays, rows, window).by_dayofweek(monday_first=True)
    assert GRAPHS["plays_by_dayofweek"](window) == expected
    assert expected["categories"][0] == "Monday"
