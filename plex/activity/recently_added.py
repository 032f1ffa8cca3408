"""Recently added: PMS library timeline events → grouped, de-duplicated on_created (reference 3.7).

:func:`queue_entry` takes each websocket ``TimelineEntry``; an item created in a library
(``identifier=com.plexapp.plugins.library``, ``state=0``, ``metadataState=created``,
``sectionID > 0``) is stored as :class:`~servers.models.PendingRecentlyAdded` under its top-level key
(the show of an episode, the artist of a track, else itself); a deleted one (``state=9``,
``metadataState=deleted``) is dropped from the queue. :func:`release_due` announces each group no
item was added to for ``NOTIFY_RECENTLY_ADDED_DELAY`` seconds (default 300), grouped as Tautulli
groups them (``NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT`` / ``_PARENT``, both on by default):

* several seasons (albums) of one show (artist) → one on_created for the show (artist);
* several episodes (tracks) of one season (album) → one on_created for the season (album);
* otherwise one on_created per item.

An item already in ``recently_added`` (announced before) is not announced again; every released
key is recorded there.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Max

from core.config import monitoring_value
from core.events import Action
from core.timeutils import from_epoch
from libraries.models import RecentlyAdded
from servers.models import PendingRecentlyAdded, Server

from .events import emit

logger = logging.getLogger(__name__)

LIBRARY_IDENTIFIER = "com.plexapp.plugins.library"
# PMS metadata type numbers of timeline entries.
MEDIA_TYPES = {
    1: "movie",
    2: "show",
    3: "season",
    4: "episode",
    8: "artist",
    9: "album",
    10: "track",
    12: "clip",
    13: "photo",
}
PARENT_TYPES = {"episode": "season", "track": "album"}
GRANDPARENT_TYPES = {"episode": "show", "track": "artist"}
DEFAULT_DELAY = 300


def delay() -> int:
    """Seconds to wait for more items of a group (``NOTIFY_RECENTLY_ADDED_DELAY``)."""
    return int(monitoring_value("NOTIFY_RECENTLY_ADDED_DELAY", DEFAULT_DELAY))


def queue_entry(server: Server, entry: dict, now: int) -> bool:
    """Queue (or drop) one ``TimelineEntry`` dict; True when it changed the queue."""
    if entry.get("identifier") != LIBRARY_IDENTIFIER:
        return False
    item_id = _int(entry.get("itemID"))
    if item_id is None:
        return False
    state = _int(entry.get("state"))
    if state == 9 and entry.get("metadataState") == "deleted":
        return bool(
            PendingRecentlyAdded.objects.filter(server=server, rating_key=item_id).delete()[0]
        )
    media_type = MEDIA_TYPES.get(_int(entry.get("type")))
    section_id = _int(entry.get("sectionID"))
    if (
        state != 0
        or entry.get("metadataState") != "created"
        or not section_id
        or section_id <= 0
        or media_type is None
    ):
        return False
    parent = _int(entry.get("parentItemID"))
    grandparent = _int(entry.get("rootItemID"))
    if media_type == "season":
        grandparent, parent = parent or grandparent, None
    group_key = grandparent or parent or item_id
    PendingRecentlyAdded.objects.update_or_create(
        server=server,
        rating_key=item_id,
        defaults={
            "parent_rating_key": parent,
            "grandparent_rating_key": grandparent,
            "group_key": group_key,
            "media_type": media_type,
            "section_id": section_id,
            "title": entry.get("title") or "",
            "queued_at": now,
        },
    )
    return True


def release_due(server: Server, now: int) -> int:
    """Announce the groups whose last item was queued ``delay()`` seconds ago or more; returns
    the number of on_created events emitted."""
    cutoff = now - delay()
    due = (
        PendingRecentlyAdded.objects.filter(server=server)
        .values("group_key")
        .annotate(last=Max("queued_at"))
        .filter(last__lte=cutoff)
        .values_list("group_key", flat=True)
    )
    emitted = 0
    for group_key in list(due):
        with transaction.atomic():
            rows = list(
                PendingRecentlyAdded.objects.select_for_update().filter(
                    server=server, group_key=group_key
                )
            )
            if not rows:
                continue
            for announcement in group_announcements(rows):
                emitted += _announce(server, announcement, now)
            PendingRecentlyAdded.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return emitted


def group_announcements(rows: list[PendingRecentlyAdded]) -> list[dict]:
    """The on_created ``timeline`` dicts for the queued items of one group (see module doc)."""
    group_parent = monitoring_value("NOTIFY_GROUP_RECENTLY_ADDED_PARENT", True)
    group_grandparent = monitoring_value("NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT", True)
    leaves = [row for row in rows if row.media_type in PARENT_TYPES]
    if not leaves:
        return [_timeline(row.rating_key, row, row.media_type, []) for row in rows]
    by_parent: dict[int, list[PendingRecentlyAdded]] = defaultdict(list)
    for row in leaves:
        by_parent[row.parent_rating_key or row.rating_key].append(row)
    first = leaves[0]
    if group_grandparent and len(by_parent) > 1 and first.grandparent_rating_key:
        return [
            _timeline(
                first.grandparent_rating_key,
                first,
                GRANDPARENT_TYPES[first.media_type],
                sorted(by_parent),
            )
        ]
    announcements = []
    for parent_key, children in sorted(by_parent.items()):
        if group_parent and len(children) > 1:
            announcements.append(
                _timeline(
                    parent_key,
                    children[0],
                    PARENT_TYPES[children[0].media_type],
                    sorted(c.rating_key for c in children),
                )
            )
        else:
            announcements.extend(_timeline(c.rating_key, c, c.media_type, []) for c in children)
    return announcements


def _timeline(rating_key: int, row: PendingRecentlyAdded, media_type: str, child_keys) -> dict:
    own = rating_key == row.rating_key
    return {
        "rating_key": rating_key,
        "parent_rating_key": None
        if media_type in ("show", "artist", "season", "album") and not own
        else row.parent_rating_key,
        "grandparent_rating_key": row.grandparent_rating_key
        if media_type in ("season", "album", "episode", "track")
        else None,
        "media_type": media_type,
        "section_id": row.section_id,
        "title": row.title if own else "",
        "child_keys": list(child_keys),
    }


def _announce(server: Server, timeline: dict, now: int) -> int:
    """Emit on_created unless already announced; record the key and its children."""
    keys = [timeline["rating_key"], *timeline["child_keys"]]
    known = set(
        RecentlyAdded.objects.filter(server=server, rating_key__in=keys).values_list(
            "rating_key", flat=True
        )
    )
    RecentlyAdded.objects.bulk_create(
        [
            RecentlyAdded(
                server=server,
                added_at=from_epoch(now),
                pms_identifier=server.machine_identifier,
                section_id=timeline["section_id"],
                rating_key=key,
                parent_rating_key=timeline["rating_key"]
                if key != timeline["rating_key"]
                else timeline["parent_rating_key"],
                grandparent_rating_key=timeline["grandparent_rating_key"],
                media_type=timeline["media_type"] if key == timeline["rating_key"] else None,
            )
            for key in keys
            if key not in known
        ]
    )
    if timeline["rating_key"] in known:
        return 0
    logger.info(
        "%s: recently added %s %s", server.name, timeline["media_type"], timeline["rating_key"]
    )
    emit(server, Action.CREATED, timeline=timeline)
    return 1


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
