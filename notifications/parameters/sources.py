"""Where the builders read what the event does not carry: PMS (through the Plex integration)
and the history table.

The Plex integration's readers (:func:`plex.metadata.fetch_metadata`,
:func:`plex.metadata.fetch_children`, :class:`plex.client.PlexUnavailable`) are gathered in
:class:`PmsReads` (:func:`pms_reads`); a caller (or a test) may pass its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from history.models import History
from plex.client import PlexUnavailable
from plex.metadata import fetch_children, fetch_metadata

from .values import to_int

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PmsReads:
    """The PMS reads the builders need.

    ``metadata(server, rating_key) -> dict | None``: Tautulli's get_metadata dict (None: no
    such item); ``children(server, rating_key) -> {"children_list": [{rating_key, media_index,
    ...}], ...}``; both raise ``unavailable`` when PMS cannot be reached.
    """

    metadata: Callable[..., dict | None]
    children: Callable[..., dict]
    unavailable: type[Exception]


@cache
def pms_reads() -> PmsReads:
    """The Plex integration's readers (see module doc)."""
    return PmsReads(metadata=fetch_metadata, children=fetch_children, unavailable=PlexUnavailable)


def item_metadata(server, rating_key, reads: PmsReads | None = None) -> dict | None:
    """PMS's get_metadata dict of ``rating_key`` (one request); None when there is no key, no
    such item, or PMS cannot be reached (logged at INFO: the parameters are built without it)."""
    if rating_key in (None, ""):
        return None
    reads = reads or pms_reads()
    try:
        return reads.metadata(server, rating_key)
    except (reads.unavailable, TypeError, ValueError) as exc:
        logger.info("Notification parameters without PMS's metadata of %s: %s", rating_key, exc)
        return None


def child_numbers(server, rating_key, child_keys, reads: PmsReads | None = None) -> list[int]:
    """The ``media_index`` (season, episode or track number) of the children ``child_keys``
    of ``rating_key`` (one request for all); [] when PMS cannot be reached."""
    reads = reads or pms_reads()
    try:
        children = reads.children(server, rating_key)
    except (reads.unavailable, TypeError, ValueError) as exc:
        logger.info("Notification parameters without the children of %s: %s", rating_key, exc)
        return []
    wanted = {str(key) for key in child_keys}
    return [
        to_int(child.get("media_index"))
        for child in (children or {}).get("children_list") or []
        if str(child.get("rating_key")) in wanted
    ]


def history_values(history_id: int) -> dict:
    """The item and media columns of a history row (one query), Tautulli's key names, dates
    as epoch seconds; {} when there is no such row."""
    row = History.objects.filter(pk=history_id).select_related("metadata", "media_info").first()
    if row is None:
        return {}
    values = {}
    for related in ("media_info", "metadata"):
        obj = getattr(row, related, None)
        if obj is None:
            continue
        for field in obj._meta.concrete_fields:
            if not field.is_relation:
                values[field.name] = getattr(obj, field.attname)
    for key in ("added_at", "updated_at", "last_viewed_at"):
        if hasattr(values.get(key), "timestamp"):
            values[key] = int(values[key].timestamp())
    return values
