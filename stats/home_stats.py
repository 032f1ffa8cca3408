"""Tautulli's home statistics cards (``get_home_stats``, reference 1.2, 1.3, 6.3 and 9).

:func:`home_stats` answers the cards of one :class:`~stats.window.StatsWindow` as a list of
``{"stat_id", "stat_type"?, "stat_title", "rows"}``, with Tautulli's row keys, key order and JSON
types (checked against the captures in ``shared/fixtures/tautulli-dart/history``). The admin
dashboard calls it too.

Counting (the rollup's rule, :mod:`stats.models`): a window is whole local dates, and a row
belongs to it by the local date it **started** (reference 6.1 uses ``stopped >= now − N days``,
see :mod:`stats.window`). With ``grouping`` a card counts the plays that *began* in the window
(``first_plays``: a play resumed over several days counts once, on its first day), without it
the History rows; ``total_duration`` is Σ seconds (``stopped − started − paused_counter``) of the
rows started in the window. A day-play takes its user, library, platform and title from its
latest row. ``last_play`` and ``last_watch`` are epoch seconds (UTC) of a row's start.

Cards and their data:

* ``top_movies`` / ``top_tv`` / ``top_music`` and ``popular_*`` — :class:`DailyItems` grouped by
  Tautulli's title keys: a movie by (full_title, year), a show by grandparent_title, an artist by
  (original_title, grandparent_title). ``users_watched`` counts distinct users; ``last_play`` is
  the latest start; the row shown (``row_id``, thumbs, guid…) is the group's highest history id.
  Top cards order by ``total_plays`` (or ``total_duration``), then ``last_play``, descending;
  popular cards by ``users_watched``, then that same total, then ``last_play``. Like Tautulli,
  live TV counts where its media type puts it (an episode in ``top_tv``, a movie in
  ``top_movies``; its rows say ``live: 1``).
* ``last_watched`` — History rows of movies and episodes that count as watched
  (:func:`history.watched.is_watched`: the configured percent, or the credits marker per
  ``WATCHED_MARKER``), newest start first; with grouping only the latest row of each play in the
  window is considered, as Tautulli's ``GROUP BY reference_id`` does.
* ``top_libraries`` — :class:`DailyPlays` grouped by (server, section_id); only sections of a library that exists
  and is not deleted (Tautulli joins ``library_sections WHERE deleted_section = 0``).
* ``top_users`` — :class:`DailyPlays` grouped by user_id, every user including deleted ones (Tautulli joins
  ``users`` without a deleted filter); ``user_thumb`` follows get_history (custom avatar, else
  the plex.tv thumb, else the default gravatar).
* ``top_platforms`` — :class:`DailyStreams` grouped by the stored platform; shown through
  Tautulli's ``PLATFORM_NAME_OVERRIDES``, ``platform_name`` is the icon key.
* ``most_concurrent`` — the largest number of streams playing at one instant of the window, for
  all streams, transcodes, direct streams (``copy``) and direct plays; a title is left out when
  it had no stream. ``started``/``stopped`` (strings of epoch seconds, as Tautulli) bound the
  latest moment the peak was reached. Computed per local day (:mod:`stats.concurrency`): from
  :class:`DailyConcurrency` without a user/section filter, else from the filtered rows in one query.

Long windows read their whole months from the rollups' month rows (all-user rows of
``DailyItems`` and ``DailyStreams`` without a user filter), so a year costs about twelve rows per
key instead of 365 (:meth:`StatsWindow.rollup_q`). The popular cards of a window that runs to the
last date of history (every ``time_range``) count users from :class:`ItemUserLast` (one row per
title and user, :mod:`stats.item_users`) and sum only the titles that can be on the page.

Ties beyond Tautulli's ordering are broken by the highest history id (``row_id``; the platform
name for ``top_platforms``), so paging with ``stats_start`` is stable.

Differences from Tautulli (deliberate):

* ``before``/``after`` work (Tautulli v2.17.2 fails with "Incorrect number of bindings",
  reference 9), and so does ``server`` (several servers; without it every server counts). Items
  of the same title on two servers are one row; libraries are told apart by server.
* A fresh Tautulli config lists ``top_libraries`` twice (reference 9); the default here lists
  every card once, in ``HOME_STATS_CARDS``' default order (:data:`HOME_STAT_IDS`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Sum,
    TextChoices,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual

from core.errors import InvalidInput
from core.timeutils import to_epoch
from history.models import History
from history.platforms import platform_display, platform_icon_name
from history.watched import (
    MARKER_CREDITS_FINAL,
    MARKER_CREDITS_FIRST,
    MARKER_EARLIEST,
    watched_marker,
    watched_percent_for,
)
from libraries.models import Library
from users.models import friendly_name_or_username, user_thumb_url

from . import item_users
from .concurrency import window_peaks
from .models import DailyConcurrency, DailyItems, DailyPlays, DailyStreams
from .window import StatsWindow

# Tautulli's HOME_STATS_CARDS default order.
HOME_STAT_IDS = (
    "top_movies",
    "popular_movies",
    "top_tv",
    "popular_tv",
    "top_music",
    "popular_music",
    "last_watched",
    "top_libraries",
    "top_users",
    "top_platforms",
    "most_concurrent",
)

STAT_TITLES = {
    "top_movies": "Most Watched Movies",
    "popular_movies": "Most Popular Movies",
    "top_tv": "Most Watched TV Shows",
    "popular_tv": "Most Popular TV Shows",
    "top_music": "Most Played Artists",
    "popular_music": "Most Popular Artists",
    "last_watched": "Recently Watched",
    "top_libraries": "Most Active Libraries",
    "top_users": "Most Active Users",
    "top_platforms": "Most Active Platforms",
    "most_concurrent": "Most Concurrent Streams",
}


class StatsType(TextChoices):
    """What the top cards rank by: plays (a count) or duration (seconds)."""

    PLAYS = "plays"
    DURATION = "duration"


# stats_type → the total a top card is ordered by (and its ``stat_type``).
STATS_TYPES = {StatsType.PLAYS: "total_plays", StatsType.DURATION: "total_duration"}

# The cards that carry ``stat_type`` (ordered by the chosen total).
TOP_CARDS = frozenset(
    {"top_movies", "top_tv", "top_music", "top_libraries", "top_users", "top_platforms"}
)

# Card → the DailyItems media type of its title cards.
ITEM_CARDS = {
    "top_movies": "movie",
    "popular_movies": "movie",
    "top_tv": "episode",
    "popular_tv": "episode",
    "top_music": "track",
    "popular_music": "track",
}

# transcode_decision → most_concurrent row title, in Tautulli's order ('' = every stream).
CONCURRENT_TITLES = (
    ("", "Concurrent Streams"),
    ("transcode", "Concurrent Transcodes"),
    ("copy", "Concurrent Direct Streams"),
    ("direct play", "Concurrent Direct Plays"),
)

# The History fields a card row shows of its item's row (one query for every card's page).
ROW_FIELDS = (
    "id",
    "started",
    "user_id",
    "username",
    "player",
    "section_id",
    "media_type",
    "rating_key",
    "grandparent_rating_key",
    "metadata__full_title",
    "metadata__title",
    "metadata__grandparent_title",
    "metadata__year",
    "metadata__media_index",
    "metadata__parent_media_index",
    "metadata__grandparent_rating_key",
    "metadata__thumb",
    "metadata__grandparent_thumb",
    "metadata__art",
    "metadata__content_rating",
    "metadata__rating",
    "metadata__labels",
    "metadata__live",
    "metadata__guid",
    "user__username",
    "user__friendly_name",
    "user__thumb",
    "user__custom_avatar_url",
)


@dataclass(frozen=True)
class _Request:
    window: StatsWindow
    total: str  # "total_plays" or "total_duration"
    start: int
    count: int
    # The popular cards count users from ItemUserLast (stats.item_users.answers).
    users_from_latest: bool = False

    def page(self, queryset):
        return queryset[self.start : self.start + self.count]


def home_stats(
    window: StatsWindow,
    *,
    stat_ids: list[str] | None = None,
    stats_type: StatsType | str = StatsType.PLAYS,
    stats_start: int = 0,
    stats_count: int = 10,
) -> list[dict]:
    """The home statistics cards of ``window``, in the order of ``stat_ids`` (ids of
    :data:`HOME_STAT_IDS`; default: every card).

    ``stats_type``: :class:`StatsType` (the total the top cards are ordered by);
    ``stats_start``/``stats_count``: the page of rows of every card (``most_concurrent`` is not
    paged). Each card is ``{"stat_id", "stat_type" (top cards only), "stat_title", "rows"}``;
    see the module docstring for the rows. Raises :class:`~core.errors.InvalidInput` (a
    ValueError) for an unknown stat id or type, or a negative start/count.

    Queries, whatever ``stats_count``: one aggregate per card (ORDER BY … LIMIT in SQL; two for
    a popular card counted from :class:`ItemUserLast`, after one check for them all; two for
    ``top_platforms``, whose few groups are ordered here, four for ``most_concurrent`` from the
    daily peaks or one over the filtered rows), then one for the shown rows of every card's
    page and one for the libraries of ``top_libraries`` — besides the rollup's check on its
    first read (:class:`core.freshness.FreshManager`, once per read scope).
    """
    if stats_type not in STATS_TYPES:
        raise InvalidInput(f"Unknown stats_type {stats_type!r}: plays or duration")
    ids = list(HOME_STAT_IDS if stat_ids is None else stat_ids)
    unknown = [stat_id for stat_id in ids if stat_id not in STAT_TITLES]
    if unknown:
        raise InvalidInput(f"Unknown stat_id {unknown[0]!r}")
    if stats_start < 0 or stats_count < 0:
        raise InvalidInput("stats_start and stats_count must not be negative")
    popular = any(stat_id.startswith("popular_") for stat_id in ids)
    request = _Request(
        window,
        STATS_TYPES[stats_type],
        stats_start,
        stats_count,
        users_from_latest=popular and item_users.answers(window),
    )

    with _more_work_mem():
        aggregates = {stat_id: _AGGREGATES[stat_id](request) for stat_id in dict.fromkeys(ids)}
    row_ids = {
        group["row_id"]
        for stat_id, groups in aggregates.items()
        if stat_id in ITEM_CARDS or stat_id in ("top_users", "top_libraries")
        for group in groups
        if group.get("row_id") is not None
    }
    shown = _shown_rows(row_ids)
    libraries = _libraries(aggregates.get("top_libraries", []))

    cards = []
    for stat_id in ids:
        card = {"stat_id": stat_id}
        if stat_id in TOP_CARDS:
            card["stat_type"] = request.total
        card["stat_title"] = STAT_TITLES[stat_id]
        card["rows"] = _format(stat_id, aggregates[stat_id], shown, libraries)
        cards.append(card)
    return cards


# --- aggregates (one query each) ----------------------------------------------------------------


@contextmanager
def _more_work_mem():
    """PostgreSQL, in a transaction for the block: a year of per-title (and per-user) sums fits
    a hash table of a few MB; with the default work_mem (4 MB) they are sorted on disk instead,
    several times slower. SQLite: nothing (a transaction there would take the write lock,
    ``transaction_mode`` IMMEDIATE, and serialize every reader)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def _totals(window: StatsWindow) -> dict:
    return {
        "total_plays": Coalesce(Sum(window.window_count_field), 0),
        "total_duration": Coalesce(Sum("duration"), 0),
    }


def _items_aggregate(request: _Request, media_type: str, *, popular: bool) -> list[dict]:
    window = request.window
    if popular:
        return _popular_items(request, media_type)
    queryset = (
        DailyItems.objects.filter(
            window.rollup_q(months=window.all_user_months), media_type=media_type
        )
        .values("title", "parent_title", "year")
        .annotate(
            **_totals(window),
            last_play=Max("last_started"),
            row_id=Max("last_history_id"),
        )
        .order_by(*(F(name).desc() for name in (request.total, "last_play", "row_id")))
    )
    return list(request.page(queryset))


def _popular_items(request: _Request, media_type: str) -> list[dict]:
    """The popular card's page: titles by distinct users, then total, then latest play.

    A window that runs to the last date of history, without a server or library filter (every
    time_range request), counts its users from :class:`~stats.models.ItemUserLast` (one row per
    title and user) and sums only the titles that can be on the page; any other window sums
    per title and user from the rollup (:func:`_popular_exact`).
    """
    window = request.window
    if not request.users_from_latest:
        return _popular_exact(request, media_type)[request.start : request.start + request.count]
    end = request.start + request.count
    counted = item_users.users_watched(window, media_type) if end else []
    if not counted:
        return []
    # The page's titles are among those with at least as many users as the page's last one.
    least = counted[min(end, len(counted)) - 1][3]
    users = {(title, parent, year): n for title, parent, year, n in counted if n >= least}
    totals = (
        DailyItems.objects.filter(
            window.rollup_q(months=window.all_user_months),
            media_type=media_type,
            title__in={title for title, _parent, _year in users},
        )
        .values("title", "parent_title", "year")
        .annotate(**_totals(window), last_play=Max("last_started"), row_id=Max("last_history_id"))
        .order_by()
    )
    groups = [
        {**group, "users_watched": users[key]}
        for group in totals
        if (key := (group["title"], group["parent_title"], group["year"])) in users
    ]
    order = ("users_watched", request.total, "last_play", "row_id")
    groups.sort(key=lambda group: tuple(group[name] for name in order), reverse=True)
    return groups[request.start : end]


def _popular_exact(request: _Request, media_type: str) -> list[dict]:
    """The (title, parent_title, year) groups up to the page's end with their distinct users
    and totals, in the popular order. Summed per (title, user) first, then per group counting
    those rows: two hash aggregates, faster than ``COUNT(DISTINCT user_id)`` (which sorts)."""
    window = request.window
    per_user = (
        DailyItems.objects.filter(window.rollup_q(months="m"), media_type=media_type)
        .values("title", "parent_title", "year", "user_id")
        .annotate(**_totals(window), last_play=Max("last_started"), row_id=Max("last_history_id"))
        .order_by()
    )
    inner_sql, params = per_user.query.sql_with_params()
    total = 5 if request.total == "total_duration" else 4
    sql = (
        "SELECT title, parent_title, year, SUM(total_plays), SUM(total_duration), COUNT(*), "
        f"MAX(last_play), MAX(row_id) FROM ({inner_sql}) per_user "
        "GROUP BY title, parent_title, year "
        f"ORDER BY 6 DESC, {total} DESC, 7 DESC, 8 DESC LIMIT %s"
    )
    columns = ("title", "parent_title", "year", "total_plays", "total_duration")
    columns += ("users_watched", "last_play", "row_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, request.start + request.count])
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _item_aggregate(media_type: str, *, popular: bool):
    return lambda request: _items_aggregate(request, media_type, popular=popular)


def _users_aggregate(request: _Request) -> list[dict]:
    """Per user, from DailyPlays (whole months from their month rows)."""
    window = request.window
    queryset = (
        DailyPlays.objects.filter(window.rollup_q(months="m"))
        .values("user_id")
        .annotate(
            **_totals(window),
            last_play=Max("last_started"),
            row_id=Max("last_history_id"),
        )
        .order_by(F(request.total).desc(), F("last_play").desc(), F("row_id").desc())
    )
    return list(request.page(queryset))


def _libraries_aggregate(request: _Request) -> list[dict]:
    """Per (server, section) of an existing, not deleted library, from DailyPlays."""
    window = request.window
    live_library = Library.objects.filter(
        server_id=OuterRef("server_id"), section_id=OuterRef("section_id"), deleted_section=False
    )
    queryset = (
        DailyPlays.objects.filter(window.rollup_q(months="m"))
        .filter(Exists(live_library))
        .values("server_id", "section_id")
        .annotate(
            **_totals(window),
            last_play=Max("last_started"),
            row_id=Max("last_history_id"),
        )
        .order_by(F(request.total).desc(), F("last_play").desc(), F("row_id").desc())
    )
    return list(request.page(queryset))


def _platforms_aggregate(request: _Request) -> list[dict]:
    """Per stored platform, from DailyStreams (whole months from their month rows); ties by
    latest start, then platform name."""
    window = request.window
    queryset = (
        DailyStreams.objects.filter(window.rollup_q(months=window.all_user_months))
        .values("platform")
        .annotate(**_totals(window), last_play=Max("last_started"))
        .order_by(F(request.total).desc(), F("last_play").desc(), "platform")
    )
    return list(request.page(queryset))


def _last_watched_aggregate(request: _Request) -> list[dict]:
    """The page of watched movie/episode rows, newest start first: one query that walks
    History's ``started`` index and stops at the page, with the fields shown."""
    window = request.window
    # watched_q() keeps movies and episodes only.
    queryset = History.objects.filter(window.history_q()).filter(watched_q())
    if window.grouping:
        queryset = queryset.alias(
            lw_key=Coalesce("reference_id", "id", output_field=BigIntegerField())
        ).filter(~Exists(_later_rows(window)))
    queryset = queryset.order_by("-started", "-id").values(*ROW_FIELDS)
    return list(request.page(queryset))


def _later_rows(window: StatsWindow):
    """Rows of the outer row's play (``lw_key``) with a higher id, movies or episodes in the
    window and its filters: with grouping, a row is shown only when there is none (Tautulli's
    ``MAX(id) … GROUP BY reference_id``). A play's first row, whose id is the key, is never
    later than another of its rows, so ``reference_id`` finds them all.

    The window's conditions are written through expressions so that the database looks the
    play up by its ``reference_id`` index rather than scanning the window for each row.
    """

    def opaque(name):
        return Coalesce(name, name)

    later = History.objects.alias(
        lw_started=opaque("started"),
        lw_user=opaque("user_id"),
        lw_section=opaque("section_id"),
        lw_server=opaque("server_id"),
        lw_type=opaque("media_type"),
    ).filter(
        reference_id=OuterRef("lw_key"),
        id__gt=OuterRef("id"),
        lw_started__gte=window.start,
        lw_started__lt=window.end,
        lw_type__in=("movie", "episode"),
    )
    if window.user_ids:
        later = later.filter(lw_user__in=window.user_ids)
    if window.section_ids:
        later = later.filter(lw_section__in=window.section_ids)
    if window.server_id is not None:
        later = later.filter(lw_server=window.server_id)
    return later


def watched_q() -> Q:
    """History rows (with their metadata) that count as watched: the SQL form of
    :func:`history.watched.check_watched` for movies and episodes (the only types last_watched
    shows), with the configured percents and ``WATCHED_MARKER``.

    Offsets, durations and markers are ms; a NULL offset is 0; an item of unknown or zero
    length is never watched, and a missing or zero credits marker falls back to the percent.
    """
    marker = watched_marker()
    offset = Coalesce(Cast("view_offset", BigIntegerField()), Value(0, BigIntegerField()))
    result = Q(pk__in=[])
    for media_type in ("movie", "episode"):
        percent = watched_percent_for(media_type)
        if not percent:
            continue
        # offset ≥ percent/100 × duration, in integers: 100 × offset ≥ percent × duration.
        reached = _at_least(
            ExpressionWrapper(offset * 100, output_field=BigIntegerField()),
            ExpressionWrapper(
                Cast("metadata__duration", BigIntegerField()) * percent,
                output_field=BigIntegerField(),
            ),
        )
        by_type = _of_type(media_type) & Q(metadata__duration__gt=0)
        if marker in (MARKER_CREDITS_FINAL, MARKER_CREDITS_FIRST, MARKER_EARLIEST):
            column = (
                "metadata__marker_credits_final"
                if marker == MARKER_CREDITS_FINAL
                else "metadata__marker_credits_first"
            )
            has_marker = Q(**{f"{column}__isnull": False}) & ~Q(**{column: 0})
            at_marker = _at_least(offset, Cast(column, BigIntegerField()))
            if marker == MARKER_EARLIEST:
                by_type &= reached | (has_marker & at_marker)
            else:
                by_type &= (has_marker & at_marker) | (~has_marker & reached)
        else:
            by_type &= reached
        result |= by_type
    return result


def _of_type(media_type: str) -> Q:
    """``media_type = …`` written through an expression, so that the planner walks the
    ``started`` index newest first and stops at the page (with the index on media_type, SQLite
    would read and sort every movie and episode of the window)."""
    return Q(Exact(Coalesce("media_type", Value(""), output_field=TextField()), media_type))


def _at_least(left, right) -> Q:
    """``left >= right`` (two expressions) as a condition."""
    return Q(GreaterThanOrEqual(left, right))


def _concurrent_aggregate(request: _Request) -> list[dict]:
    window = request.window
    if window.user_ids or window.section_ids:
        peaks = _filtered_peaks(window)
    else:
        peaks = {}
        days = DailyConcurrency.objects.filter(
            date__gte=window.first_day, date__lte=window.last_day
        )
        if window.server_id is None:
            days = days.filter(server_id__isnull=True)
        else:
            days = days.filter(server_id=window.server_id)
        for decision, _title in CONCURRENT_TITLES:
            best = (
                days.filter(transcode_decision=decision, peak__gt=0)
                .order_by("-peak", "-date")
                .values_list("peak", "peak_started", "peak_stopped")
                .first()
            )
            if best:
                peaks[decision] = best
    result = []
    for decision, title in CONCURRENT_TITLES:
        count, started, stopped = peaks.get(decision, (0, None, None))
        if count > 0:
            result.append({"title": title, "count": count, "started": started, "stopped": stopped})
    return result


def _filtered_peaks(window: StatsWindow) -> dict:
    """{decision: (peak, started, stopped)} of the rows matching the window's user, section and
    server filters (:func:`stats.concurrency.window_peaks`): the highest day wins, the latest
    on ties."""
    best: dict[str, tuple] = {}
    for (_day, decision), found in sorted(window_peaks(window).items()):
        if found[0] and found[0] >= best.get(decision, (0,))[0]:
            best[decision] = found
    return best


_AGGREGATES = {
    "top_movies": _item_aggregate("movie", popular=False),
    "popular_movies": _item_aggregate("movie", popular=True),
    "top_tv": _item_aggregate("episode", popular=False),
    "popular_tv": _item_aggregate("episode", popular=True),
    "top_music": _item_aggregate("track", popular=False),
    "popular_music": _item_aggregate("track", popular=True),
    "last_watched": _last_watched_aggregate,
    "top_libraries": _libraries_aggregate,
    "top_users": _users_aggregate,
    "top_platforms": _platforms_aggregate,
    "most_concurrent": _concurrent_aggregate,
}


# --- the shown rows -------------------------------------------------------------------------------


def _shown_rows(row_ids: set[int]) -> dict[int, dict]:
    """{history id: ROW_FIELDS values} of the rows the cards show: one query."""
    if not row_ids:
        return {}
    rows = History.objects.filter(id__in=sorted(row_ids)).order_by().values(*ROW_FIELDS)
    return {row["id"]: row for row in rows}


def _libraries(groups: list[dict]) -> dict[tuple, Library]:
    """{(server_id, section_id): Library} of the top_libraries page: one query."""
    if not groups:
        return {}
    wanted = Q()
    for group in groups:
        wanted |= Q(server_id=group["server_id"], section_id=group["section_id"])
    return {
        (library.server_id, library.section_id): library
        for library in Library.objects.filter(wanted, deleted_section=False)
    }


# --- rows in Tautulli's shapes --------------------------------------------------------------------


def _blank(value):
    """Tautulli's rows show a missing value as ""."""
    return "" if value is None else value


def _labels(text) -> list[str]:
    return text.split(";") if text else []


def _thumb(row: dict):
    """The item's picture: the show's (or album artist's) thumb when there is one, else its own."""
    return row.get("metadata__grandparent_thumb") or row.get("metadata__thumb")


def _last_item(row: dict) -> dict:
    """The "last item played" block of the top_libraries and top_users rows."""
    return {
        "title": row.get("metadata__full_title"),
        "grandparent_title": row.get("metadata__grandparent_title"),
        "grandchild_title": row.get("metadata__title"),
        "year": row.get("metadata__year"),
        "media_index": row.get("metadata__media_index"),
        "parent_media_index": row.get("metadata__parent_media_index"),
        "rating_key": row.get("rating_key"),
        "grandparent_rating_key": row.get("grandparent_rating_key"),
        "media_type": row.get("media_type"),
        "content_rating": row.get("metadata__content_rating"),
        "labels": _labels(row.get("metadata__labels")),
        "live": int(bool(row.get("metadata__live"))),
        "guid": row.get("metadata__guid"),
        "row_id": row.get("id"),
    }


def _blanked(values: dict) -> dict:
    return {key: _blank(value) for key, value in values.items()}


def _item_row(stat_id: str, group: dict, row: dict) -> dict:
    """A top_/popular_ movies, tv or music row."""
    media_type = ITEM_CARDS[stat_id]
    if media_type == "movie":
        title, year = group["title"], group["year"]
        rating_key, grandparent_rating_key = row.get("rating_key"), ""
        grandparent_thumb, thumb = "", row.get("metadata__thumb")
    else:
        title = (
            group["title"] if media_type == "episode" else group["title"] or group["parent_title"]
        )
        year = row.get("metadata__year")
        rating_key = grandparent_rating_key = row.get("grandparent_rating_key")
        grandparent_thumb = thumb = row.get("metadata__grandparent_thumb")
    total_plays, total_duration = int(group["total_plays"]), int(group["total_duration"])
    head = {"title": title, "year": year}
    if stat_id.startswith("top_"):
        head.update(total_plays=total_plays, total_duration=total_duration, users_watched="")
        head.update(rating_key=rating_key, grandparent_rating_key=grandparent_rating_key)
        head.update(last_play=group["last_play"])
    else:
        head.update(users_watched=int(group["users_watched"]), rating_key=rating_key)
        head.update(grandparent_rating_key=grandparent_rating_key, last_play=group["last_play"])
        head.update(total_plays=total_plays)
    return _blanked(
        {
            **head,
            "grandparent_thumb": grandparent_thumb,
            "thumb": thumb,
            "art": row.get("metadata__art"),
            "section_id": row.get("section_id"),
            "media_type": row.get("media_type"),
            "content_rating": row.get("metadata__content_rating"),
            "rating": row.get("metadata__rating"),
            "labels": _labels(row.get("metadata__labels")),
            "user": "",
            "friendly_name": "",
            "platform": "",
            "live": int(bool(row.get("metadata__live"))),
            "guid": row.get("metadata__guid"),
            "row_id": group["row_id"],
        }
    )


def _last_watched_row(row: dict) -> dict:
    return _blanked(
        {
            "row_id": row["id"],
            "user": row["username"],
            "friendly_name": friendly_name_or_username(
                row["user__friendly_name"], row["user__username"]
            ),
            "user_id": row["user_id"],
            "user_thumb": user_thumb_url(row["user__custom_avatar_url"], row["user__thumb"]),
            "title": row["metadata__full_title"],
            "grandparent_title": row["metadata__grandparent_title"],
            "grandchild_title": row["metadata__title"],
            "year": row["metadata__year"],
            "media_index": row["metadata__media_index"],
            "parent_media_index": row["metadata__parent_media_index"],
            "rating_key": row["rating_key"],
            "grandparent_rating_key": row["metadata__grandparent_rating_key"],
            "thumb": _thumb(row),
            "grandparent_thumb": row["metadata__grandparent_thumb"],
            "art": row["metadata__art"],
            "section_id": row["section_id"],
            "media_type": row["media_type"],
            "content_rating": row["metadata__content_rating"],
            "rating": row["metadata__rating"],
            "labels": _labels(row["metadata__labels"]),
            "last_watch": to_epoch(row["started"]),
            "live": int(bool(row["metadata__live"])),
            "guid": row["metadata__guid"],
            "player": row["player"],
        }
    )


def _library_row(group: dict, row: dict, library: Library | None) -> dict:
    last = _last_item(row)
    return _blanked(
        {
            "total_plays": int(group["total_plays"]),
            "total_duration": int(group["total_duration"]),
            "section_type": library.section_type if library else None,
            "section_name": library.section_name if library else None,
            "section_id": group["section_id"],
            "last_play": group["last_play"],
            "library_thumb": library.api_thumb() if library else None,
            "library_art": library.api_art() if library else None,
            "thumb": _thumb(row),
            "grandparent_thumb": row.get("metadata__grandparent_thumb"),
            "art": row.get("metadata__art"),
            "user": "",
            "friendly_name": "",
            "users_watched": "",
            "platform": "",
            **last,
        }
    )


def _user_row(group: dict, row: dict) -> dict:
    last = _last_item(row)
    return _blanked(
        {
            "user": row.get("username") or row.get("user__username"),
            "user_id": group["user_id"],
            "friendly_name": friendly_name_or_username(
                row.get("user__friendly_name"), row.get("user__username")
            ),
            "total_plays": int(group["total_plays"]),
            "total_duration": int(group["total_duration"]),
            "last_play": group["last_play"],
            "user_thumb": user_thumb_url(
                row.get("user__custom_avatar_url"), row.get("user__thumb")
            ),
            "thumb": _thumb(row),
            "grandparent_thumb": row.get("metadata__grandparent_thumb"),
            "art": row.get("metadata__art"),
            "users_watched": "",
            "platform": "",
            "title": last.pop("title"),
            "grandparent_title": last.pop("grandparent_title"),
            **last,
        }
    )


def _platform_row(group: dict) -> dict:
    platform = platform_display(group["platform"])
    return {
        "total_plays": int(group["total_plays"]),
        "total_duration": int(group["total_duration"]),
        "last_play": _blank(group["last_play"]),
        "platform": _blank(platform),
        "platform_name": platform_icon_name(platform),
        "title": "",
        "thumb": "",
        "grandparent_thumb": "",
        "art": "",
        "users_watched": "",
        "rating_key": "",
        "grandparent_rating_key": "",
        "user": "",
        "friendly_name": "",
        "row_id": "",
    }


def _format(stat_id: str, groups: list[dict], shown: dict, libraries: dict) -> list[dict]:
    if stat_id in ITEM_CARDS:
        return [_item_row(stat_id, g, shown.get(g["row_id"], {})) for g in groups]
    if stat_id == "last_watched":
        return [_last_watched_row(row) for row in groups]
    if stat_id == "top_libraries":
        return [
            _library_row(
                g,
                shown.get(g["row_id"], {}),
                libraries.get((g["server_id"], g["section_id"])),
            )
            for g in groups
        ]
    if stat_id == "top_users":
        return [_user_row(g, shown.get(g["row_id"], {})) for g in groups]
    if stat_id == "top_platforms":
        return [_platform_row(g) for g in groups]
    # most_concurrent: started/stopped are strings, as Tautulli's
    return [
        {
            "title": g["title"],
            "count": int(g["count"]),
            "started": _blank(None if g["started"] is None else str(g["started"])),
            "stopped": _blank(None if g["stopped"] is None else str(g["stopped"])),
        }
        for g in groups
    ]
