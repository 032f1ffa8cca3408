"""Tautulli's users table (``get_users_table``): the users with their plays, watch time and last
played item. Plays and duration come from the daily rollup, the last played row from History's
``(user_id, -started)`` index; the page is built in SQL whatever the number of users."""

from django.db.models import Count, F, Q, Subquery
from django.db.models.functions import JSONObject, Lower

from core.tautulli_api.datatables import TablePage, TableRequest, annotation_sort_terms, search_q
from core.timeutils import to_epoch
from history.latest import LAST_ROW_FIELDS, item_fields, latest_history
from history.platforms import platform_display
from users.models import User

from .totals import NO_PLAYS, PlayTotals, rollup_totals, totals_case

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


# The last played row's fields a users-table row shows: the item, and where it was played from.
USERS_LAST_ROW_FIELDS = (*LAST_ROW_FIELDS, "ip_address", "platform", "player")


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

    users = User.objects.with_display_name()
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
    fields = {name: F(name) for name in USERS_LAST_ROW_FIELDS}
    page = (
        users.filter(shown)
        .annotate(
            last_seen=last("started"),
            last_row=Subquery(latest.values(row=JSONObject(**fields))[:1]),
            **sort_annotations,
        )
        .order_by(*annotation_sort_terms(request.order, sort_keys), "id")
    )
    rows = [
        _users_table_row(user, totals.get(user.user_id, NO_PLAYS))
        for user in page[request.start : request.start + request.length]
    ]
    return TablePage(total=counts["total"], filtered=counts["filtered"], rows=rows)


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
        **item_fields(last),
        "do_notify": int(user.do_notify),
        "keep_history": int(user.keep_history),
        "allow_guest": int(user.allow_guest),
        "is_active": int(user.is_active),
    }
