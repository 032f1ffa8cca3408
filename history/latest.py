"""The latest history row of a user or library, as a correlated subquery on History's indexes."""

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
