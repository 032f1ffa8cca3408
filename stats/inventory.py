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

from .models import MediaKeyAlias, MediaWatchStats

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
    "last_watched": ("int", lambda current: F(_stat("last_watched", current))),
    "plays": ("int", lambda current: F(_stat("plays", current))),
    "size": ("int", lambda current: F("total_file_size")),
    "users": ("int", lambda current: F(_stat("users", current))),
    "watch_time": ("int", lambda current: F(_stat("watch_time", current))),
}
# Container types: their share watched is watched_items / leaf_count.
CONTAINER_TYPES = ("show", "season", "artist", "album")
# History's key column whose rows an item's statistics count, by its media type.
_LEVEL_COLUMN = {
    "show": "grandparent_rating_key",
    "artist": "grandparent_rating_key",
    "season": "parent_rating_key",
    "album": "parent_rating_key",
}


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
    ``current``) ascending or ``descending``, then by id the same way. Items without a value
    (never watched for ``last_watched``, no known size for ``size``) come last in both
    directions.

    Keyset pagination: the cursor is opaque (URL-safe base64 JSON of the sort, direction, the
    last item's value and id); the next page is ``value > v OR (value = v AND id > pk)`` (``<``
    descending), so no row is skipped or repeated and no OFFSET is read. Reads ``limit + 1``
    rows (a second query on the page where the valued rows run out). Raises
    :class:`InvalidCursor`.
    """
    position = _decode(cursor, sort, descending) if cursor else None
    expression = SORTS[sort][1](current)
    queryset = queryset.annotate(sort_value=expression)
    after = "lt" if descending else "gt"
    order = (F("sort_value").desc(), "-id") if descending else (F("sort_value").asc(), "id")
    wanted = limit + 1
    items: list = []
    if position is None or position[0] is not None:
        valued = queryset.filter(sort_value__isnull=False)
        if position is not None:
            value, pk = position
            valued = valued.filter(
                Q(**{f"sort_value__{after}": value}) | Q(sort_value=value, **{f"id__{after}": pk})
            )
        items = list(valued.order_by(*order)[:wanted])
    if len(items) < wanted:
        empty = queryset.filter(sort_value__isnull=True)
        if position is not None and position[0] is None:
            empty = empty.filter(**{f"id__{after}": position[1]})
        items += list(empty.order_by(order[1])[: wanted - len(items)])
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
    case-insensitively (friendly name, else username). One query over History grouped by key
    and user and joined to the users (plus one for the items' old keys)."""
    wanted: dict[tuple[int, str], set[int]] = {}
    for item in items:
        column = _LEVEL_COLUMN.get(item.media_type, "rating_key")
        wanted.setdefault((item.server_id, column), set()).add(item.rating_key)
    if not wanted:
        return {}
    aliases: dict[tuple[int, int], int] = {}
    for server_id, source, target in MediaKeyAlias.objects.filter(
        server_id__in={server_id for server_id, _ in wanted},
        target_key__in={key for keys in wanted.values() for key in keys},
    ).values_list("server_id", "source_key", "target_key"):
        aliases[(server_id, source)] = target
    q = connection.ops.quote_name
    history = q(History._meta.db_table)
    parts, params = [], []
    for (server_id, column), keys in sorted(wanted.items()):
        sources = set(keys) | {
            s for (srv, s), t in aliases.items() if srv == server_id and t in keys
        }
        marks = ", ".join(["%s"] * len(sources))
        parts.append(
            f"SELECT server_id, {column} AS item_key, user_id FROM {history} "
            f"WHERE server_id = %s AND {column} IN ({marks}) AND user_id IS NOT NULL "
            f"GROUP BY server_id, {column}, user_id"
        )
        params += [server_id, *sorted(sources)]
    users = q(User._meta.db_table)
    sql = (
        f"SELECT t.server_id, t.item_key, COALESCE(NULLIF(u.friendly_name, ''), u.username) "
        f"FROM ({' UNION ALL '.join(parts)}) t JOIN {users} u ON u.user_id = t.user_id"
    )
    names: dict[tuple[int, int], set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for server_id, key, name in cursor.fetchall():
            key = aliases.get((server_id, key), key)
            names.setdefault((server_id, key), set()).add(name or "")
    return {key: sorted(found, key=str.casefold) for key, found in names.items()}
