"""Database queries behind the users commands of /api/v2: the users table, a user's IP table,
and the purge of a user's history.

Both tables are built in SQL (aggregates, search, ordering and LIMIT/OFFSET), so a page costs a
fixed number of queries whatever the number of users or rows. The users table's totals come from
the daily rollup (:mod:`stats.models`), not from history: see :func:`users_table`.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    Min,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import FirstValue, JSONObject, Lower, RowNumber, Trim
from django.db.models.lookups import Exact

from core.tautulli_api.datatables import TableRequest, search_q, sort_term
from core.timeutils import to_epoch
from history.latest import latest_history
from history.models import History, HistoryMediaInfo, HistoryMetadata
from history.stats import friendly_name_or_username, platform_display
from stats.totals import NO_PLAYS, PlayTotals, rollup_totals, totals_case

from .models import User

# get_users_table: sortable columns (Tautulli's dt_columns; user_thumb is accepted, not sortable).
USERS_TABLE_COLUMNS = {
    "user_thumb",
    "friendly_name",
    "username",
    "title",
    "email",
    "last_seen",
    "ip_address",
    "platform",
    "player",
    "last_played",
    "plays",
    "duration",
}
USERS_TABLE_DEFAULT_COLUMN = "friendly_name"  # sorted descending by default, as in Tautulli

# get_user_ips: sortable columns; default last_seen (descending).
USER_IPS_COLUMNS = {
    "last_seen",
    "first_seen",
    "ip_address",
    "platform",
    "player",
    "last_played",
    "play_count",
}
USER_IPS_DEFAULT_COLUMN = "last_seen"

# History fields of the "last played" row shown in both tables (metadata/media info via LEFT JOIN).
_LAST_ROW_FIELDS = (
    "id",
    "rating_key",
    "metadata__full_title",
    "metadata__media_type",
    "metadata__thumb",
    "metadata__parent_thumb",
    "metadata__grandparent_thumb",
    "metadata__parent_title",
    "metadata__year",
    "metadata__media_index",
    "metadata__parent_media_index",
    "metadata__live",
    "metadata__originally_available_at",
    "metadata__guid",
    "media_info__transcode_decision",
)


@dataclass
class TablePage:
    """One page of a DataTables-style table: counts and rows (JSON-ready dicts)."""

    total: int
    filtered: int
    rows: list[dict]


def display_friendly_name() -> Case:
    """SQL for Tautulli's friendly name: ``friendly_name`` unless NULL or blank, else username."""
    return Case(
        When(friendly_name__isnull=True, then=F("username")),
        When(Exact(Trim("friendly_name"), Value("")), then=F("username")),
        default=F("friendly_name"),
        output_field=CharField(),
    )


def _last_row_details(history_ids) -> dict[int, dict]:
    """History id → the last-played fields (``_LAST_ROW_FIELDS``), in one query."""
    ids = [row_id for row_id in history_ids if row_id is not None]
    if not ids:
        return {}
    return {row["id"]: row for row in History.objects.filter(pk__in=ids).values(*_LAST_ROW_FIELDS)}


def _item_fields(detail: dict | None) -> dict:
    """The played-item fields of a table row, from a ``_LAST_ROW_FIELDS`` dict (or none)."""
    detail = detail or {}
    media_type = detail.get("metadata__media_type")
    if media_type == "episode":
        thumb = detail.get("metadata__parent_thumb") or detail.get("metadata__grandparent_thumb")
    else:
        thumb = detail.get("metadata__thumb")
    live = detail.get("metadata__live")
    return {
        "rating_key": detail.get("rating_key"),
        "media_type": media_type,
        "thumb": thumb,
        "parent_title": detail.get("metadata__parent_title"),
        "year": detail.get("metadata__year"),
        "media_index": detail.get("metadata__media_index"),
        "parent_media_index": detail.get("metadata__parent_media_index"),
        "live": None if live is None else int(live),
        "originally_available_at": detail.get("metadata__originally_available_at"),
        "guid": detail.get("metadata__guid"),
        "transcode_decision": detail.get("media_info__transcode_decision"),
    }


# --- get_users_table ----------------------------------------------------------------------

# The last played row's fields a users-table row shows: the item, and where it was played from.
_USERS_LAST_ROW_FIELDS = (*_LAST_ROW_FIELDS, "ip_address", "platform", "player")


def users_table(request: TableRequest, *, grouping: bool, server=None) -> TablePage:
    """One page of Tautulli's users table (non-deleted users), reference 1.2.

    * ``plays`` (per ``grouping``) and ``duration`` (seconds) come from the daily rollup
      (:func:`rollup_totals`, one grouped query), attached to the users as SQL ``CASE`` only
      when the table is sorted by them.
    * The last played row (latest ``started``, then highest id; rows without a start time
      left out) is read by correlated subqueries per user on the History index
      ``user, -started`` (:func:`latest_history`): ``last_seen`` (its start, epoch seconds in
      the row, = ``MAX(started)``) and its fields as one JSON object. On PostgreSQL these run
      after ORDER BY … LIMIT, for the page's users only. The searched and sorted-on fields of
      that row (IP, platform, player, title) are further subqueries, added only when the
      request searches or sorts by them (then evaluated for every user).

    Queries: the rollup sync, the two counts (one query), the totals, the page.

    ``recordsTotal`` counts every row of the users table, deleted ones included, as Tautulli
    does; ``recordsFiltered`` the non-deleted users matching ``search`` (friendly name,
    username, title, email, last IP, platform, player). ``server`` restricts the history
    considered to one server.

    Differences from the grouped history scan this replaces (and from Tautulli): a play whose
    rows belong to several users counts for the user of its latest row on the day it began, and
    rows without a ``started`` time count neither as plays nor as the last played row.
    """
    totals = rollup_totals(("user_id",), grouping=grouping, server=server)
    latest = latest_history("user_id", server.pk if server is not None else None)

    def last(field, *, nocase=False):
        # Sort keys are lower-cased inside the subquery, where the value is one column.
        value = Lower(field) if nocase else F(field)
        return Subquery(latest.values(value=value)[:1])

    users = User.objects.annotate(display_friendly_name=display_friendly_name())
    shown = Q(deleted_user=False)
    if request.search:
        users = users.annotate(
            last_ip_address=last("ip_address"),
            last_platform=last("platform"),
            last_player=last("player"),
        )
        shown &= search_q(
            request.search,
            (
                "display_friendly_name",
                "username",
                "title",
                "email",
                "last_ip_address",
                "last_platform",
                "last_player",
            ),
        )
    counts = users.aggregate(total=Count("pk"), filtered=Count("pk", filter=shown))

    sort_keys = {
        "friendly_name": ("display_friendly_name", True),
        "username": ("username", True),
        "title": ("title", True),
        "email": ("email", True),
        "ip_address": ("sort_ip_address", False),
        "platform": ("sort_platform", False),
        "player": ("sort_player", False),
        "last_played": ("sort_last_played", False),
        "last_seen": ("last_seen", False),
        "plays": ("plays", False),
        "duration": ("duration", False),
    }
    sort_sources = {
        "ip_address": "ip_address",
        "platform": "platform",
        "player": "player",
        "last_played": "metadata__full_title",
    }
    ordered = {column for column, _ in request.order}
    sort_annotations = {
        f"sort_{column}": last(source, nocase=True)
        for column, source in sort_sources.items()
        if column in ordered
    }
    for name in ("plays", "duration"):
        if name in ordered:
            sort_annotations[name] = totals_case(totals, name, ("user_id",))
    fields = {name: F(name) for name in _USERS_LAST_ROW_FIELDS}
    page = (
        users.filter(shown)
        .annotate(
            last_seen=last("started"),
            last_row=Subquery(latest.values(row=JSONObject(**fields))[:1]),
            **sort_annotations,
        )
        .order_by(*_sort_terms(request.order, sort_keys), "id")
    )
    rows = [
        _users_table_row(user, totals.get(user.user_id, NO_PLAYS))
        for user in page[request.start : request.start + request.length]
    ]
    return TablePage(total=counts["total"], filtered=counts["filtered"], rows=rows)


def _sort_terms(order: list[tuple[str, bool]], keys: dict[str, tuple[str, bool]]) -> list:
    """ORDER BY terms for ``(column, descending)`` pairs; ``keys`` maps a column to its
    annotation and whether to lower-case it here (NOCASE). NULLs sort first ascending and
    last descending, SQLite's order, on PostgreSQL too. Unknown columns are skipped."""
    terms = []
    for column, descending in order:
        if column not in keys:
            continue
        name, nocase = keys[column]
        terms.append(sort_term(Lower(name) if nocase else F(name), descending))
    return terms


def _users_table_row(user: User, totals: PlayTotals) -> dict:
    """A users-table row in Tautulli v2.17.2's key order (``user`` annotated by
    :func:`users_table`)."""
    last = user.last_row or {}
    return {
        "row_id": user.pk,
        "user_id": user.user_id,
        "username": user.username,
        "friendly_name": user.display_friendly_name,
        "title": user.title,
        "email": user.email,
        "user_thumb": user.user_thumb,
        "plays": totals.plays,
        "duration": totals.duration,
        "last_seen": to_epoch(user.last_seen),
        "last_played": last.get("metadata__full_title"),
        "history_row_id": last.get("id"),
        "ip_address": last.get("ip_address"),
        "platform": platform_display(last.get("platform")),
        "player": last.get("player"),
        **_item_fields(last),
        "do_notify": int(user.do_notify),
        "keep_history": int(user.keep_history),
        "allow_guest": int(user.allow_guest),
        "is_active": int(user.is_active),
    }


# --- get_user_ips -------------------------------------------------------------------------


def user_ips_table(request: TableRequest, *, user_id: int, server=None) -> TablePage:
    """One page of a user's IP addresses (Tautulli's ``get_user_ips``), reference 1.2.

    One row per IP address: ``first_seen``/``last_seen`` (epoch of the first/latest start),
    ``play_count`` (history rows, ungrouped, as in Tautulli) and the details of the latest row
    from that address (latest start, then highest id). Built with window functions over the
    user's rows partitioned by address, keeping each partition's latest row, so one pass over
    the user's history serves the aggregates, the search, the order and the page; the played
    item's metadata is joined in only when searched or sorted on, else read for the page.

    ``recordsTotal`` is the row count of the whole history table (Tautulli's quirk, reference
    9); ``recordsFiltered`` the number of addresses matching ``search`` (IP, platform, player,
    last played title).
    """
    by_address = {"partition_by": [F("ip_address")]}
    newest_first = {**by_address, "order_by": [F("started").desc(), F("id").desc()]}
    # FirstValue windows equal the kept row's own values; filtering or sorting on a window
    # keeps the condition outside the window computation (an address matches as a whole).
    windows = {
        "rank": Window(RowNumber(), **newest_first),
        "first_seen": Window(Min("started"), **by_address),
        "last_seen": Window(Max("started"), **by_address),
        "play_count": Window(Count("id"), **by_address),
        "address": Window(FirstValue("ip_address"), **newest_first),
        "last_platform": Window(FirstValue("platform"), **newest_first),
        "last_player": Window(FirstValue("player"), **newest_first),
    }
    needs_title = bool(request.search) or any(c == "last_played" for c, _ in request.order)
    if needs_title:
        windows["last_played"] = Window(FirstValue("metadata__full_title"), **newest_first)
    addresses = (
        History.objects.filter(user_id=user_id)
        .for_server(server)
        .annotate(**windows)
        .filter(rank=1)
    )
    if request.search:
        addresses = addresses.filter(
            search_q(request.search, ("address", "last_platform", "last_player", "last_played"))
        )
    filtered = addresses.count()
    sort_keys = {
        "last_seen": ("last_seen", False),
        "first_seen": ("first_seen", False),
        "ip_address": ("address", True),
        "platform": ("last_platform", True),
        "player": ("last_player", True),
        "last_played": ("last_played", True),
        "play_count": ("play_count", False),
    }
    ordered = addresses.order_by(*_sort_terms(request.order, sort_keys), "address")
    page = list(
        ordered.values(
            "id",
            "first_seen",
            "last_seen",
            "address",
            "play_count",
            "last_platform",
            "last_player",
        )[request.start : request.start + request.length]
    )
    total = History.objects.count()
    details = _last_row_details(row["id"] for row in page)

    user = User.objects.filter(user_id=user_id).only("username", "friendly_name").first()
    friendly_name = friendly_name_or_username(user.friendly_name, user.username) if user else None
    rows = []
    for row in page:
        detail = details.get(row["id"], {})
        item = _item_fields(detail)
        rows.append(
            {
                "history_row_id": row["id"],
                "last_seen": to_epoch(row["last_seen"]),
                "first_seen": to_epoch(row["first_seen"]),
                "ip_address": row["address"],
                "play_count": row["play_count"],
                "platform": platform_display(row["last_platform"]),
                "player": row["last_player"],
                "last_played": detail.get("metadata__full_title"),
                "rating_key": item["rating_key"],
                "thumb": item["thumb"],
                "media_type": item["media_type"],
                "parent_title": item["parent_title"],
                "year": item["year"],
                "media_index": item["media_index"],
                "parent_media_index": item["parent_media_index"],
                "live": item["live"],
                "originally_available_at": item["originally_available_at"],
                "guid": item["guid"],
                "transcode_decision": item["transcode_decision"],
                "friendly_name": friendly_name,
                "user_id": user_id,
            }
        )
    return TablePage(total=total, filtered=filtered, rows=rows)


# --- delete_user --------------------------------------------------------------------------


def purge_user_history(user_id: int) -> int:
    """Delete every history row of the user (with its metadata and media info); returns the
    number of history rows deleted.

    Three set-based DELETEs in one transaction (children first), rather than Django's
    collector, which would load every row of a heavy user into memory first.
    """
    rows = History.objects.filter(user_id=user_id)
    with transaction.atomic():
        HistoryMetadata.objects.filter(history__in=rows.values("pk")).delete()
        HistoryMediaInfo.objects.filter(history__in=rows.values("pk")).delete()
        # Nothing else refers to History once its two 1:1 tables are gone.
        return rows._raw_delete(rows.db)
