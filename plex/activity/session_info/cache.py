"""Library items read from PMS for live sessions, each once: per answer, or for a while.

:class:`MetadataCache` lives for one answer (a get_activity call, a monitor refresh);
:class:`RecentMetadata` is the monitor's, kept across its polls with a time to live.
"""

from __future__ import annotations

import logging
import time

from plex.client import PLEX_ERRORS
from plex.pms_fields import raw as _attr

logger = logging.getLogger(__name__)

METADATA_TTL = 600  # s a library item read for a live session is reused (RecentMetadata)
FAILED_TTL = 30  # s before an item that could not be read is tried again
METADATA_ITEMS = 500  # items RecentMetadata keeps at most


class MetadataCache:
    """Library items fetched from PMS for live sessions, each once per cache.

    :meth:`source` is ``/library/metadata/<ratingKey>`` of a session's item, :meth:`parent` the
    show of an episode or the album of a track. Use one cache for one answer (a get_activity
    call, a monitor refresh) so that sessions of the same item cost one request. Failures (PMS
    down, a 404 for live TV or a deleted item) are remembered as None: the caller falls back on
    the session item.
    """

    def __init__(self):
        self._items: dict[str, object | None] = {}

    def source(self, item):
        """The library item a session plays, or None."""
        rating_key = _attr(item, "ratingKey")
        if not rating_key.isdigit():
            return None
        return self._fetch(f"source:{rating_key}", item.source)

    def parent(self, source):
        """The show of an episode, the album of a track (from their library item), or None."""
        kind = _attr(source, "type")
        key = {"episode": "grandparentKey", "track": "parentKey"}.get(kind)
        path = _attr(source, key) if key else ""
        if not path:
            return None

        def fetch():
            parent = source.fetchItem(path)
            parent._autoReload = False  # read what PMS sent; never reload per missing attribute
            return parent

        return self._fetch(path, fetch)

    def _fetch(self, key: str, fetch):
        if key not in self._items:
            try:
                self._items[key] = fetch()
            except PLEX_ERRORS as exc:
                logger.debug("No library metadata for %s: %s", key, type(exc).__name__)
                self._items[key] = None
        return self._items[key]


class RecentMetadata(MetadataCache):
    """The monitor's :class:`MetadataCache`: library items kept :data:`METADATA_TTL` seconds
    (a failed read :data:`FAILED_TTL`), at most :data:`METADATA_ITEMS` of them, so a poll of 50
    streams reads PMS's library only for items it has not seen lately and memory stays flat."""

    def __init__(self):
        super().__init__()
        self._read_at: dict[str, float] = {}

    def _fetch(self, key: str, fetch):
        now = time.monotonic()
        if key in self._items:
            ttl = METADATA_TTL if self._items[key] is not None else FAILED_TTL
            if now - self._read_at[key] > ttl:
                del self._items[key]
        if key not in self._items:
            if len(self._items) >= METADATA_ITEMS:
                oldest = min(self._read_at, key=self._read_at.get)
                self._items.pop(oldest, None)
                self._read_at.pop(oldest, None)
            self._read_at[key] = now
        return super()._fetch(key, fetch)
