"""A user's IP addresses (Tautulli's ``get_user_ips``), built in SQL with window functions."""

from django.db.models import Count, F, Max, Min, Window
from django.db.models.functions import FirstValue, RowNumber

from core.tautulli_api.datatables import TablePage, TableRequest, annotation_sort_terms, search_q
from core.timeutils import to_epoch
from users.models import User, friendly_name_or_username

from .latest import item_fields, last_row_details
from .models import History
from .platforms import platform_display

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
    ordered = addresses.order_by(*annotation_sort_terms(request.order, sort_keys), "address")
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
    details = last_row_details(row["id"] for row in page)

    user = User.objects.filter(user_id=user_id).only("username", "friendly_name").first()
    friendly_name = friendly_name_or_username(user.friendly_name, user.username) if user else None
    rows = []
    for row in page:
        detail = details.get(row["id"], {})
        item = item_fields(detail)
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
