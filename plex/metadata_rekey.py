"""``/api/v2 update_metadata_details``: re-key the history of an item and its whole tree to the
rating keys PMS has for it now, as Tautulli does (``update_metadata``,
``datafactory.get_rating_keys_list`` and ``pmsconnect.get_rating_keys_list``, v2.17.2).

The tree logged in history comes from :func:`history.rekey.old_tree`; the tree PMS has for the
new key from :func:`new_tree` here (the only part that talks to Plex); both are matched and
applied by :mod:`history.rekey`.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

from plexapi.exceptions import NotFound

from core.tautulli_api import ApiError, api_command
from history import rekey
from history.rekey import MEDIA_TYPES, MUSIC_TYPES, Node, match_key
from servers.apiv2 import server_from_params

from .client import PlexUnavailable, call_pms, log_unavailable

logger = logging.getLogger(__name__)

INT32_MAX = 2**31 - 1  # rating keys are 32-bit columns
FAILED = "Unable to update metadata in database. No changes were made."


class UnknownItem(Exception):
    """PMS has no item of the expected type under the new rating key; ``str(exc)`` says why."""


def _items(container) -> list:
    """The elements of a PMS ``MediaContainer`` that are items (they have a rating key)."""
    return [] if container is None else [e for e in container if e.get("ratingKey")]


def _children(plex, rating_key) -> list:
    """The children of ``rating_key`` (``/library/metadata/<key>/children``); none when PMS
    answers 404."""
    try:
        return _items(plex.query(f"/library/metadata/{rating_key}/children"))
    except NotFound:
        return []


def new_tree(server, rating_key: int, media_type: str) -> dict[Hashable, Node]:
    """The tree PMS has for ``rating_key`` (a ``media_type`` item), shaped as
    :func:`history.rekey.old_tree`'s: the item's grandparent (a show or artist; its own
    grandparent for an episode or track, its parent for a season or album), its children
    (seasons by index, albums by lower-case title) and theirs (episodes and tracks by index, by
    lower-case title without one), each with its title. Read through plexapi: the item, then
    ``/children`` of the grandparent and of each parent (Tautulli reads an artist's albums from
    the section search; ``/children`` answers the same albums). A movie's tree is
    ``{0: Node(rating_key)}`` without asking PMS.

    Raises :class:`UnknownItem` when PMS has no such item or it is not a ``media_type``, and
    :class:`~plex.client.PlexUnavailable` when PMS cannot be used.
    """
    if media_type == "movie":
        return {0: Node(int(rating_key))}
    by_title = media_type in MUSIC_TYPES

    def build(plex):
        found = _items(plex.query(f"/library/metadata/{rating_key}"))
        if not found:
            raise NotFound(rating_key)
        item = found[0]
        if item.get("type") != media_type:
            raise UnknownItem(
                f"new_rating_key {rating_key} is a {item.get('type') or 'item'} on the Plex "
                f"server, not a {media_type}."
            )
        if media_type in ("show", "artist"):
            top, title = item.get("ratingKey"), item.get("title")
        elif media_type in ("season", "album"):
            top, title = item.get("parentRatingKey"), item.get("parentTitle")
        else:
            top, title = item.get("grandparentRatingKey"), item.get("grandparentTitle")
        if not top:
            raise UnknownItem(f"The Plex server names no show or artist for {rating_key}.")
        root = Node(int(top), title)
        for parent in _children(plex, top):
            node = Node(int(parent.get("ratingKey")), parent.get("title"))
            if not by_title and not parent.get("index"):
                continue  # a season without a number cannot be matched
            key = match_key(parent.get("index"), parent.get("title"), by_title=by_title)
            root.children[key] = node
            for child in _children(plex, node.rating_key):
                child_key = match_key(child.get("index"), child.get("title"), by_title=False)
                node.children[child_key] = Node(int(child.get("ratingKey")), child.get("title"))
        root_key = match_key(None, title, by_title=True) if by_title else 0
        return {root_key: root}

    tree = call_pms(server, build)
    if tree is None:
        raise UnknownItem(f"The Plex server has no item with rating key {rating_key}.")
    return tree


def update_metadata(server, old_rating_key: int, new_rating_key: int, media_type: str) -> int:
    """Re-key ``server``'s history of ``old_rating_key`` and its tree to the tree PMS has for
    ``new_rating_key`` (see :mod:`history.rekey`); the number of rows changed. PMS is not asked
    when no history row has the old key. Raises :class:`UnknownItem` or
    :class:`~plex.client.PlexUnavailable` with nothing changed."""
    old = rekey.old_tree(server, old_rating_key, media_type)
    if not old:
        return 0
    new = new_tree(server, new_rating_key, media_type)
    return rekey.apply_pairs(server, rekey.pairs(old, new), media_type)


@api_command()
def update_metadata_details(request, params):
    """Update the metadata in the Tautulli database by matching rating keys.
    Also updates all parents or children of the media item if it is a show/season/episode
    or artist/album/track.

    ```
    Required parameters:
        old_rating_key (str):       12345
        new_rating_key (str):       54321
        media_type (str):           "movie", "show", "season", "episode", "artist", "album", "track"

    Optional parameters:
        server (str):               Server id, name or machine identifier (default: the first)

    Returns:
        None
    ```
    Tautulli's rule (``update_metadata``, ``datafactory.get_rating_keys_list``): the whole tree
    of the item is re-keyed. The tree logged in history under the old key (its show or artist,
    their seasons or albums, their episodes or tracks) is matched against the tree the Plex
    server has for the new key: the show is matched as such, seasons by number, episodes by
    number; the artist and albums by title (case-insensitive), tracks by number (or title).
    Each matched item's history rows take its new key at its level (a show's or artist's
    ``grandparent_rating_key``, a season's or album's ``parent_rating_key``, an episode's,
    track's or movie's ``rating_key``) and its title on the Plex server, in the history rows,
    their metadata and media info; an item the Plex server no longer has keeps its key. So
    updating one episode re-keys its whole show. A movie is re-keyed alone, without asking the
    Plex server (its titles stay).

    Each change is recorded as a :class:`~libraries.models.RatingKeyChange` (old → new, as the
    inventory records an item PMS re-added); the plays are regrouped and the statistics of the
    old and new keys recomputed. Message as Tautulli's: "Updated metadata in database." or
    "Unable to update metadata in database. No changes were made." when no history row has the
    old key or nothing matched. An unreachable Plex server, or a new key it does not know (or
    of another type), is an error with nothing changed.
    """
    old_key = params.int("old_rating_key", required=True, minimum=1, maximum=INT32_MAX)
    new_key = params.int("new_rating_key", required=True, minimum=1, maximum=INT32_MAX)
    media_type = params.str("media_type", required=True)
    if media_type not in MEDIA_TYPES:
        raise ApiError(
            "Parameter media_type: one of " + ", ".join(f'"{name}"' for name in MEDIA_TYPES)
        )
    if old_key == new_key:
        raise ApiError("Parameter new_rating_key: the same as old_rating_key")
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex server is configured")
    try:
        updated = update_metadata(server, old_key, new_key, media_type)
    except UnknownItem as exc:
        return {"result": "error", "message": f"{exc} {FAILED}"}
    except PlexUnavailable as exc:
        log_unavailable(logger, server, "update_metadata_details", exc)
        return {"result": "error", "message": f"{server.name} is unavailable: {exc} {FAILED}"}
    if not updated:
        return {"message": FAILED}
    return {"message": "Updated metadata in database."}
