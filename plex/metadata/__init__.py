"""Item metadata from a Plex Media Server, in Tautulli's shapes (reference 1.2 "Metadata /
content", 3.1, 3.5 steps 4-5).

Everything here reads PMS through plexapi (:func:`plex.client.connect`, :func:`plex.client.call_pms`)
and turns its objects into the plain dicts Tautulli's API answers, values typed as in the v2.17.2
captures (``tautulli-dart/media/``): almost every value is a string (``"1995"``, ``"6798816"``,
``""`` when PMS says nothing); lists of names; ``children_count``/``live`` ints; markers with int
offsets (ms) and ``first``/``final`` booleans; ``media_info`` with its parts and streams.

* :func:`fetch_metadata` (:mod:`.details`) — ``/library/metadata/<rating_key>?includeMarkers=1``
  as :func:`metadata_details` (Tautulli's ``get_metadata``), also what the history writer stores
  (:func:`history.writer.write_session_history`); :func:`media_info_of` (:mod:`.media_info`) —
  its versions, parts and streams.
* :func:`fetch_children` (:mod:`.lists`) — ``get_children_metadata``;
  :func:`fetch_recently_added` — ``get_recently_added``; :func:`search` — ``search``.
* :mod:`.values` — plexapi items read as Tautulli's text.

The image proxy is :mod:`plex.images`; the server's own identity and plex.tv's list of servers
are :mod:`plex.server_info`.

Values come from plexapi's attributes; the few attributes plexapi does not model (``banner``,
``live``, ``grandparentYear``, live TV channels) are read from the element plexapi kept.
Every function raises :class:`plex.client.PlexUnavailable` (one readable line, never the token)
when PMS is unreachable, rejects the token or answers junk; an item PMS does not have (HTTP 404
or an empty container) is None or an empty result, not an error.
"""

from .details import (
    DETAIL_FIELDS,
    DETAIL_TYPES,
    fetch_item,
    fetch_metadata,
    library_name,
    metadata_details,
)
from .lists import (
    EMPTY_CHILDREN,
    RECENTLY_ADDED_HUB_TYPES,
    SEARCH_TYPES,
    SUMMARY_FIELDS,
    empty_search,
    fetch_children,
    fetch_recently_added,
    item_summary,
    search,
)
from .media_info import dynamic_range, media_info_of
from .values import media_type_of

__all__ = [
    "DETAIL_FIELDS",
    "DETAIL_TYPES",
    "EMPTY_CHILDREN",
    "RECENTLY_ADDED_HUB_TYPES",
    "SEARCH_TYPES",
    "SUMMARY_FIELDS",
    "dynamic_range",
    "empty_search",
    "fetch_children",
    "fetch_item",
    "fetch_metadata",
    "fetch_recently_added",
    "item_summary",
    "library_name",
    "media_info_of",
    "media_type_of",
    "metadata_details",
    "search",
]
