"""The latest history row of a user or library (a correlated subquery on History's indexes) and the
fields of a "last played" row that the users, libraries and IP tables show."""

from django.db import connection
from django.db.models import F, OuterRef, QuerySet

from .models import History


def latest_history(column: str, server=None) -> QuerySet:
    """History rows of the outer query's user or library (``column``, ``user_id`` or
    ``section_id``, equal to the outer row's), on ``server`` (a server pk or an expression;
    None: every server), latest start first, then highest id; rows without a start time left
    out (as ``MAX(started)`` leaves them out). The first is its "last played" row, read from
    the History index (``column``, -started).

    The shape keeps both databases on that index whatever their statistics: ``column`` is
    matched as a range (``>=`` and ``<=`` the outer value) and leads the ORDER BY (given an
    equality, PostgreSQL drops it from the sort and may walk the global ``-started`` index
    instead); on SQLite the server is compared as ``server_id + 0``, which no index serves
    (SQLite, without statistics, would walk the ``server, -started`` index). Either detour reads
    every history row of a user or library that has no (recent) history. PostgreSQL keeps the
    plain column, whose statistics it knows (an expression's default estimate makes each
    lookup look costly enough to start JIT compilation, 100+ ms).
    """
    outer = OuterRef(column)
    rows = History.objects.filter(
        **{f"{column}__gte": outer, f"{column}__lte": outer}, started__isnull=False
    )
    if server is not None:
        server_id = F("server_id") + 0 if connection.vendor == "sqlite" else F("server_id")
        rows = rows.alias(server_key=server_id).filter(server_key=server)
    return rows.order_by(column, "-started", "-id")


# History fields of the "last played" row of the users and IP tables (metadata/media info via
# LEFT JOIN).
LAST_ROW_FIELDS = (
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


def last_row_details(history_ids) -> dict[int, dict]:
    """History id → the last-played fields (``LAST_ROW_FIELDS``), in one query."""
    ids = [row_id for row_id in history_ids if row_id is not None]
    if not ids:
        return {}
    return {row["id"]: row for row in History.objects.filter(pk__in=ids).values(*LAST_ROW_FIELDS)}


def last_played_thumb(detail: dict) -> str | None:
    """The thumb a table shows for a last played row (a dict of ``metadata__*`` fields): an
    episode's season thumb (else its show's), any other item's own."""
    if detail.get("metadata__media_type") == "episode":
        return detail.get("metadata__parent_thumb") or detail.get("metadata__grandparent_thumb")
    return detail.get("metadata__thumb")


def item_fields(detail: dict | None) -> dict:
    """The played-item fields of a table row, from a ``LAST_ROW_FIELDS`` dict (or none)."""
    detail = detail or {}
    media_type = detail.get("metadata__media_type")
    live = detail.get("metadata__live")
    return {
        "rating_key": detail.get("rating_key"),
        "media_type": media_type,
        "thumb": last_played_thumb(detail),
        "parent_title": detail.get("metadata__parent_title"),
        "year": detail.get("metadata__year"),
        "media_index": detail.get("metadata__media_index"),
        "parent_media_index": detail.get("metadata__parent_media_index"),
        "live": None if live is None else int(live),
        "originally_available_at": detail.get("metadata__originally_available_at"),
        "guid": detail.get("metadata__guid"),
        "transcode_decision": detail.get("media_info__transcode_decision"),
    }
