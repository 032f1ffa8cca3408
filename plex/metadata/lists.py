"""Lists of items as Tautulli answers them: an item's children, the recently added items, and
a search; each entry built from PMS's list answer (no request per item, except for search)."""

from __future__ import annotations

from urllib.parse import urlencode

from plex.client import DEFAULT_TIMEOUT, call_pms
from plex.pms_fields import fields_without, read_fields
from plex.pms_fields import guids as _guids
from plex.pms_fields import raw as _raw
from plex.pms_fields import to_int as _int
from plex.pms_fields import to_text as _text

from .details import complete as _complete
from .details import fetch_metadata, library_name
from .values import attr as _attr
from .values import item_values as _item_values
from .values import media_type_of

# search's results_list keys, in Tautulli's order.
SEARCH_TYPES = ("movie", "show", "season", "episode", "artist", "album", "track", "collection")
# get_recently_added's media_type → the type of PMS's ``/hubs/home/recentlyAdded`` hub.
RECENTLY_ADDED_HUB_TYPES = {"movie": 1, "show": 2, "artist": 8, "other_video": 1}

# A list entry's keys (item_summary), in Tautulli's order.
SUMMARY_FIELDS = fields_without(
    "edition_title",
    "slug",
    "parent_slug",
    "grandparent_slug",
    "parent_year",
    "grandparent_year",
    "parent_guid",
    "grandparent_guid",
    "guids",
    "markers",
    "parent_guids",
    "grandparent_guids",
    "children_count",
    "live",
)


def item_summary(item, section_id: str = "", library: str = "") -> dict:
    """One entry of ``get_children_metadata``'s ``children_list`` (Tautulli's keys, all strings
    or lists), built from the list answer alone (no request per item). ``section_id`` and
    ``library`` are the container's when the item does not say."""
    values = _item_values(item, getattr(item, "title", None) or "")
    values.update(
        media_type=media_type_of(item),
        section_id=_text(getattr(item, "librarySectionID", None)) or section_id,
        library_name=getattr(item, "librarySectionTitle", None) or library,
        rating_key=_text(getattr(item, "ratingKey", None)),
        parent_rating_key=_raw(item, "parentRatingKey"),
        parent_thumb=_raw(item, "parentThumb"),
    )
    return read_fields(item, _attr, SUMMARY_FIELDS, values)


def _media_items(container) -> list:
    """The items of a list answer that are media (not PMS's "All episodes" shortcut or tags)."""
    items = [_complete(item) for item in container or []]
    return [item for item in items if getattr(item, "ratingKey", None) and media_type_of(item)]


EMPTY_CHILDREN = {"children_count": 0, "children_type": "", "title": "", "children_list": []}


def fetch_children(
    server, rating_key, media_type: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict:
    """Tautulli's ``get_children_metadata``: ``{children_count, children_type, title,
    children_list}`` of an item's children (``/library/metadata/<rk>/children``; a playlist's
    ``/playlists/<rk>/items``, a collection's ``/library/collections/<rk>/children``).

    ``children_type`` is the children's media type and ``title`` the parent's title (PMS's
    ``title2``: the children's parent title; a playlist's or collection's own title).
    Deliberate difference: PMS's "All episodes" shortcut of a show (no rating key) is not
    listed nor counted, so ``children_count`` is the number of real children. An unknown
    item gives the empty answer (:data:`EMPTY_CHILDREN`). Raises PlexUnavailable.
    """
    rating_key = int(rating_key)
    if media_type == "playlist":
        parent_key, key = f"/playlists/{rating_key}", f"/playlists/{rating_key}/items"
    elif media_type == "collection":
        parent_key = f"/library/metadata/{rating_key}"
        key = f"/library/collections/{rating_key}/children"
    else:
        parent_key, key = None, f"/library/metadata/{rating_key}/children"
    container = call_pms(server, timeout=timeout, call=lambda plex: plex.fetchItems(key))
    if not container:
        return dict(EMPTY_CHILDREN)
    section_id = _text(getattr(container, "librarySectionID", None))
    library = library_name(server, section_id, getattr(container, "librarySectionTitle", None))
    children = [item_summary(item, section_id, library) for item in _media_items(container)]
    if parent_key:  # the items of a playlist/collection have parents of their own
        parent = call_pms(server, timeout=timeout, call=lambda plex: plex.fetchItem(parent_key))
        title = getattr(parent, "title", None) or ""
    else:
        title = next((child["parent_title"] for child in children if child["parent_title"]), "")
    return {
        "children_count": len(children),
        "children_type": children[0]["media_type"] if children else "",
        "title": title,
        "children_list": children,
    }


def fetch_recently_added(
    server,
    count: int,
    *,
    start: int = 0,
    media_type: str | None = None,
    section_id: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[dict]:
    """Tautulli's ``get_recently_added`` items, newest first: ``count`` items from ``start``
    (asked of PMS as ``X-Plex-Container-Start``/``-Size``).

    ``media_type`` movie/show/artist/other_video reads PMS's home hub of that type, else
    ``section_id`` that library's ``recentlyAdded``, else ``/library/recentlyAdded`` (all
    libraries). Each item is :func:`item_summary` plus ``guids`` and ``child_count``, from the
    list answer alone. Raises PlexUnavailable.
    """
    if media_type in RECENTLY_ADDED_HUB_TYPES:
        params = {"type": RECENTLY_ADDED_HUB_TYPES[media_type]}
        if media_type == "other_video":
            params["personal"] = 1
        key = f"/hubs/home/recentlyAdded?{urlencode(params)}"
    elif section_id is not None:
        key = f"/library/sections/{int(section_id)}/recentlyAdded"
    else:
        key = "/library/recentlyAdded"
    container = call_pms(
        server,
        timeout=timeout,
        call=lambda plex: plex.fetchItems(
            key, container_start=start, container_size=count, maxresults=count
        ),
    )
    section = _text(getattr(container, "librarySectionID", None))
    library = getattr(container, "librarySectionTitle", None) or ""
    items = []
    for item in _media_items(container)[:count]:
        entry = item_summary(item, section, library)
        if not entry["library_name"]:
            entry["library_name"] = library_name(server, entry["section_id"])
        entry["guids"] = _guids(item)
        entry["child_count"] = _attr(item, "childCount")
        items.append(entry)
    return sorted(items, key=lambda entry: _int(entry["added_at"]), reverse=True)


def empty_search() -> dict:
    """``search``'s answer without results."""
    return {"results_count": 0, "results_list": {media_type: [] for media_type in SEARCH_TYPES}}


def search(server, query: str, limit: int | None = None, *, timeout: float = DEFAULT_TIMEOUT):
    """Tautulli's ``search``: PMS's hub search (``/hubs/search?query=..&limit=..``, ``limit``
    results per hub) as ``{results_count, results_list: {movie: [...], show: [...], ...}}``.

    As Tautulli, each result is the item's full :func:`metadata_details` (one or more requests per
    result) and a show brings its seasons along. Hubs of other things (actors, genres...) are
    left out. Raises PlexUnavailable.
    """
    hits = (
        call_pms(server, timeout=timeout, call=lambda plex: plex.search(query, limit=limit)) or []
    )
    result = empty_search()
    results = result["results_list"]
    for hit in hits:
        if getattr(hit, "type", None) not in SEARCH_TYPES or not getattr(hit, "ratingKey", None):
            continue
        metadata = fetch_metadata(server, hit.ratingKey, timeout=timeout)
        if not metadata or metadata["media_type"] not in results:
            continue
        results[metadata["media_type"]].append(metadata)
        if metadata["media_type"] == "show":
            seasons = fetch_children(server, metadata["rating_key"], timeout=timeout)
            for season in seasons["children_list"]:
                season_metadata = fetch_metadata(server, season["rating_key"], timeout=timeout)
                if season_metadata:
                    results["season"].append(season_metadata)
    result["results_count"] = sum(len(items) for items in results.values())
    return result
