"""Regrouping the whole play history (Tautulli's ``regroup_history``).

Every row's ``reference_id`` is computed again, in id order, by the rule the writer applies to
a new row (:func:`history.writer._group`, reference 3.6): a row that is not live continues the
play of the user's previous row of the same item (same server) when that row was not watched
(:func:`history.watched.check_watched`, with today's watched settings) and its ``view_offset``
is not past the new row's; a live row continues the user's previous row started within the
last day when both have the same guid. Then the play groups (:mod:`history.grouping`) are
rebuilt, and the statistics follow them (``groups_changed``).

One pass over History joined to its metadata (streamed), with the last row of each
(user, server, item) and of each user kept in memory; only changed ``reference_id`` values are
written. Run as a django-q2 task (:data:`REGROUP_TASK`): minutes on millions of rows.
"""

from __future__ import annotations

import logging

from django.db import transaction

from .grouping import rebuild_groups
from .models import History
from .watched import check_watched
from .writer import LIVE_GROUPING_WINDOW

logger = logging.getLogger(__name__)

REGROUP_TASK = "history.regroup.regroup_history"
BATCH = 2_000

_FIELDS = (
    "id",
    "reference_id",
    "user_id",
    "server_id",
    "rating_key",
    "view_offset",
    "started",
    "media_type",
    "metadata__live",
    "metadata__guid",
    "metadata__duration",
    "metadata__marker_credits_first",
    "metadata__marker_credits_final",
)


def regroup_history() -> int:
    """Recompute every history row's ``reference_id`` and rebuild the play groups; returns how
    many rows changed play. One transaction: readers see the old grouping until it commits."""
    logger.info("Regrouping session history...")
    with transaction.atomic():
        changes = _new_references()
        for start in range(0, len(changes), BATCH):
            History.objects.bulk_update(
                [History(id=pk, reference_id=ref) for pk, ref in changes[start : start + BATCH]],
                ["reference_id"],
            )
        rebuild_groups()
    logger.info("Regrouping session history complete: %d rows changed play.", len(changes))
    return len(changes)


def _new_references() -> list[tuple[int, int]]:
    """(row id, new reference_id) of the rows whose play changes."""
    last_of_item: dict[tuple, tuple[int, int]] = {}  # (user, server, key) → (ref, offset)
    last_of_user: dict[int, tuple[int, object, str | None]] = {}  # user → (ref, started, guid)
    changes = []
    rows = History.objects.order_by("id").values_list(*_FIELDS).iterator(chunk_size=BATCH)
    for (
        pk,
        reference_id,
        user_id,
        server_id,
        rating_key,
        offset,
        started,
        media_type,
        live,
        guid,
        duration,
        credits_first,
        credits_final,
    ) in rows:
        new_ref = pk
        if live:
            previous = last_of_user.get(user_id)
            if (
                previous
                and guid
                and previous[2] == guid
                and started is not None
                and previous[1] is not None
                and (started - previous[1]).total_seconds() < LIVE_GROUPING_WINDOW
            ):
                new_ref = previous[0]
        else:
            previous = last_of_item.get((user_id, server_id, rating_key))
            if previous is not None:
                watched = check_watched(
                    media_type, previous[1], duration, credits_first, credits_final
                )
                if not watched and previous[1] <= (offset or 0):
                    new_ref = previous[0]
        if new_ref != reference_id:
            changes.append((pk, new_ref))
        last_of_item[(user_id, server_id, rating_key)] = (new_ref, offset or 0)
        last_of_user[user_id] = (new_ref, started, guid)
    return changes
