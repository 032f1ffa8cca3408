"""The inventory with its watch statistics: what the media info table, the REST inventory and
the admin's library pages read (issue 13).

One queryset of :class:`~libraries.models.LibraryMedia` joined (LEFT JOIN on server and rating
key, :attr:`stats.models.MediaWatchStats.item`) to the item's statistics, brought up to date
first. An item never watched has no statistics row: its counts read 0 and its dates None.
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce, Lower, NullIf

from core.freshness import ensure_fresh
from core.limits import INT64_MAX, INT64_MIN
from history.models import History
from libraries.models import LibraryMedia
from users.models import User

from .models import MediaKeyAlias, MediaWatchStats, MonthlyItemTime

SYNC = "stats.media_stats.sync_media_stats"
COUNTS = (
    "plays",
    "users",
    "watch_time",
    "watched_items",
    "plays_current",
    "users_current",
    "watch_time_current",
    "watched_items_current",
)
DATES = ("first_watched", "last_watched", "first_watched_current", "last_watched_current")


def items_with_stats(queryset=None):
    """``queryset`` (default: every :class:`LibraryMedia` row) annotated with the item's watch
    statistics under their :class:`MediaWatchStats` names (counts 0 and dates None for an item
    never watched; dates are epoch seconds, UTC; watch time seconds). The statistics are
    synced first (once per read scope). Filter and sort on the annotations (``plays``,
    ``last_watched``...), not through ``watch_stats__``, which would join a second time."""
    ensure_fresh(SYNC, covers=("history.grouping.sync_groups",))
    if queryset is None:
        queryset = LibraryMedia.objects.all()
    return queryset.annotate(
        **{
            name: Coalesce(F(f"watch_stats__{name}"), Value(0), output_field=_field(name))
            for name in COUNTS
        },
        **{name: F(f"watch_stats__{name}") for name in DATES},
    )


def _field(name: str):
    return MediaWatchStats._meta.get_field(name).__class__()


# --- the REST inventory (GET /api/libraries/items) ------------------------------------------

# Sort names → (expression over items_with_stats, the cursor value's kind). ``size`` is the
# rolled-up total_file_size; ``title`` the sort title (the title when PMS gives none),
# case-insensitively.
TITLE_KEY = Lower(
    Coalesce(
        NullIf("sort_title", Value(""), output_field=TextField()), "title", output_field=TextField()
    )
)
SORTS = {
    "title": ("str", lambda current: TITLE_KEY),
    "added_at": ("datetime", lambda current: F("added_at")),
    "last_watched": ("int", lambda current: F(f"watch_stats__{_stat('last_watched', current)}")),
    "plays": ("int", lambda current: F(f"watch_stats__{_stat('plays', current)}")),
    "size": ("int", lambda current: F("total_file_size")),
    "users": ("int", lambda current: F(f"watch_stats__{_stat('users', current)}")),
    "watch_time": ("int", lambda current: F(f"watch_stats__{_stat('watch_time', current)}")),
}
# Container types: their share watched is watched_items / leaf_count.
CONTAINER_TYPES = ("show", "season", "artist", "album")
# MonthlyItemTime's level of a show/artist and a season/album (a movie, episode or track:
# None, its History rows).
_LEVEL = {
    "show": MonthlyItemTime.GRANDPARENT,
    "artist": MonthlyItemTime.GRANDPARENT,
    "season": MonthlyItemTime.PARENT,
    "album": MonthlyItemTime.PARENT,
}
ROLLUP_SYNC = "stats.rollup.sync_rollup"


def _stat(name: str, current: bool) -> str:
    return f"{name}_current" if current else name


class InvalidCursor(ValueError):
    """A cursor this server did not produce, or one of another sort order."""


@dataclass(frozen=True)
class InventoryPage:
    """One page of :func:`inventory_page`: ``items`` (LibraryMedia rows annotated as
    :func:`items_with_stats` does) and the cursor of the next page (None on the last)."""

    items: list
    next_cursor: str | None


def _encode(sort: str, descending: bool, value, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    payload = {"s": sort, "d": int(descending), "v": value, "id": pk}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, sort: str, descending: bool) -> tuple[object, int]:
    """``(value or None, pk)`` of ``cursor``; :class:`InvalidCursor` when it is malformed or
    was made for another sort or direction."""
    kind = SORTS[sort][0]
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        pk, value = payload["id"], payload["v"]
        if payload["s"] != sort or payload["d"] != int(descending):
            raise InvalidCursor("cursor of another order")
        if type(pk) is not int or not 0 <= pk <= INT64_MAX:
            raise InvalidCursor("bad id")
        if value is None:
            return None, pk
        if kind == "int":
            if type(value) is not int or not INT64_MIN <= value <= INT64_MAX:
                raise InvalidCursor("bad value")
        elif kind == "str":
            if not isinstance(value, str) or "\x00" in value:
                raise InvalidCursor("bad value")
        else:
            if not isinstance(value, str):
                raise InvalidCursor("bad value")
            value = dt.datetime.fromisoformat(value)
            value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except InvalidCursor:
        raise
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise InvalidCursor(str(exc)) from exc
    return value, pk


def inventory_page(
    queryset,
    *,
    sort: str = "title",
    descending: bool = False,
    current: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> InventoryPage:
    """The page of ``queryset`` (annotated by :func:`items_with_stats`, filtered) after
    ``cursor``, ordered by ``sort`` (a key of :data:`SORTS`; the ``*_current`` statistics when
    ``current``) ascending or ``descending``, then by id the same way. A missing value (an item
    never watched has no statistics row: no plays, no last watch; a size PMS did not give)
    is the lowest: first ascending, last descending (Tautulli's and SQLite's NULL order).
    The statistics sorts read the statistics row's own column (null when there is none), so
    that the database can walk that column's index and stop at the page's end.

    Keyset pagination: the cursor is opaque (URL-safe base64 JSON of the sort, direction, the
    last item's value and id); the next page is ``value > v OR (value = v AND id > pk)`` (``<``
    descending), so no row is skipped or repeated and no OFFSET is read. The items with a
    value and those without are read by two queries (each can use an index), the second only
    on the page where the first runs out. Reads ``limit + 1`` rows. Raises
    :class:`InvalidCursor`.
    """
    position = _decode(cursor, sort, descending) if cursor else None
    queryset = queryset.annotate(sort_value=SORTS[sort][1](current))
    after = "lt" if descending else "gt"
    wanted = limit + 1

    def valued(rows: int) -> list:
        part = queryset.filter(sort_value__isnull=False)
        if SORTS[sort][0] == "int":
            # Always true, but a comparison (unlike IS NOT NULL) lets SQLite turn the LEFT JOIN
            # of the statistics into an inner one and walk the sort column's index.
            part = part.filter(sort_value__gte=INT64_MIN)
        if position is not None and position[0] is not None:
            value, pk = position
            part = part.filter(
                Q(**{f"sort_value__{after}": value}) | Q(sort_value=value, **{f"id__{after}": pk})
            )
        order = (F("sort_value").desc(), "-id") if descending else (F("sort_value").asc(), "id")
        return list(part.order_by(*order)[:rows])

    def missing(rows: int) -> list:
        part = queryset.filter(sort_value__isnull=True)
        if position is not None and position[0] is None:
            part = part.filter(**{f"id__{after}": position[1]})
        return list(part.order_by("-id" if descending else "id")[:rows])

    # The segments in order, from the cursor's: valued then missing descending, the reverse
    # ascending.
    segments = [valued, missing] if descending else [missing, valued]
    if position is not None and (position[0] is None) == (segments[1] is missing):
        segments = segments[1:]
    items: list = []
    for segment in segments:
        items += segment(wanted - len(items))
        if len(items) >= wanted:
            break
    if len(items) <= limit:
        return InventoryPage(items=items, next_cursor=None)
    items = items[:limit]
    last = items[-1]
    return InventoryPage(
        items=items, next_cursor=_encode(sort, descending, last.sort_value, last.pk)
    )


def share_watched(item, current: bool = False) -> float | None:
    """The share of a show's, season's, artist's or album's present episodes or tracks that
    were watched (``watched_items / leaf_count``, 0..1); None for a movie, episode or track,
    or a container without present items."""
    if item.media_type not in CONTAINER_TYPES or not item.leaf_count:
        return None
    watched = getattr(item, _stat("watched_items", current))
    return min(watched / item.leaf_count, 1.0)


def user_names(items) -> dict[tuple[int, int], list[str]]:
    """``{(server_id, rating_key): [user names]}`` of the users who watched each of ``items``
    (LibraryMedia rows; a show's or season's users are those of its episodes, and rows logged
    under an old rating key of the item count, as in :class:`MediaWatchStats`), names sorted
    case-insensitively (friendly name, else username).

    One query (plus one for the items' old keys): a movie's, episode's or track's users from
    History (its ``rating_key`` index, grouped by key and user), a show's, season's, artist's
    or album's from the monthly rollup :class:`~stats.models.MonthlyItemTime` (one index probe
    per user of the key, a recursive loose index scan), joined to the users."""
    wanted: dict[tuple[int, str], set[int]] = {}
    for item in items:
        level = _LEVEL.get(item.media_type)
        wanted.setdefault((item.server_id, level), set()).add(item.rating_key)
    if not wanted:
        return {}
    if any(level is not None for _, level in wanted):
        ensure_fresh(ROLLUP_SYNC, covers=("history.grouping.sync_groups",))
    aliases: dict[tuple[int, int], int] = {}
    for server_id, source, target in MediaKeyAlias.objects.filter(
        server_id__in={server_id for server_id, _ in wanted},
        target_key__in={key for keys in wanted.values() for key in keys},
    ).values_list("server_id", "source_key", "target_key"):
        aliases[(server_id, source)] = target
    q = connection.ops.quote_name
    history = q(History._meta.db_table)
    monthly = q(MonthlyItemTime._meta.db_table)
    items_part, starts, params = [], [], []
    for (server_id, level), keys in sorted(wanted.items(), key=lambda p: (p[0][0], p[0][1] or "")):
        sources = set(keys) | {
            source
            for (srv, source), target in aliases.items()
            if srv == server_id and target in keys
        }
        if level is None:
            marks = ", ".join(["%s"] * len(sources))
            items_part.append(
                (
                    f"SELECT server_id, rating_key AS item_key, user_id FROM {history} "
                    f"WHERE rating_key IN ({marks}) AND server_id = %s AND user_id IS NOT NULL "
                    f"GROUP BY server_id, rating_key, user_id",
                    [*sorted(sources), server_id],
                )
            )
        else:
            starts += [(server_id, key, level) for key in sorted(sources)]
    parts = []
    for sql, values in items_part:
        parts.append(sql)
        params += values
    if starts:
        # A show's or season's users: a loose scan of the monthly rollup's (rating_key, level,
        # server_id, user_id) index, one probe per user of each key (not one row per month).
        first = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS BIGINT), %s)"] * len(starts))
        following = (
            f"SELECT MIN(m.user_id) FROM {monthly} m WHERE m.rating_key = {{alias}}.item_key "
            f"AND m.level = {{alias}}.level AND m.server_id = {{alias}}.server_id"
        )
        parts.append("SELECT server_id, item_key, user_id FROM found WHERE user_id IS NOT NULL")
        params = [value for start in starts for value in start] + params
    with_clause = ""
    if starts:
        with_clause = (
            f"WITH RECURSIVE keys (server_id, item_key, level) AS (VALUES {first}), "
            f"found (server_id, item_key, level, user_id) AS ("
            f"SELECT k.server_id, k.item_key, k.level, ({following.format(alias='k')}) FROM keys k "
            f"UNION ALL SELECT f.server_id, f.item_key, f.level, "
            f"({following.format(alias='f')} AND m.user_id > f.user_id) "
            f"FROM found f WHERE f.user_id IS NOT NULL) "
        )
    users = q(User._meta.db_table)
    sql = (
        f"{with_clause}SELECT t.server_id, t.item_key, "
        f"COALESCE(NULLIF(u.friendly_name, ''), u.username) "
        f"FROM ({' UNION ALL '.join(parts)}) t JOIN {users} u ON u.user_id = t.user_id"
    )
    names: dict[tuple[int, int], set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for server_id, key, name in cursor.fetchall():
            key = aliases.get((server_id, key), key)
            names.setdefault((server_id, key), set()).add(name or "")
    return {key: sorted(found, key=str.casefold) for key, found in names.items()}
