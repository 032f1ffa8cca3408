"""/api/v2 commands answered live from a Plex Media Server: item metadata, children, recently
added, search, the image proxy, the server's identity, and the collections and playlists tables
(reference 1.2 "Metadata / content", "Server (PMS) info" and "Libraries").

Every command takes the optional ``server`` parameter (id, name or machine identifier; default:
the first server; an unknown one is a 400 error). When PMS cannot be reached the commands answer
as Tautulli does, "success" with an empty result (``{}``, ``[]``, no children...), never a 500;
the reason is logged. The data comes from :mod:`plex.metadata` (items), :mod:`plex.images`
(the image proxy), :mod:`plex.server_info` (the server's identity, plex.tv's server list) and
:mod:`plex.collections` (collections and playlists).
"""

import hashlib
import json
import logging
import re
from pathlib import Path

from django.core.cache import cache
from django.http import HttpResponse

from core import log_once
from core.image_links import pms_image_path  # noqa: F401  (also re-exported for plex.admin)
from core.limits import MAX_OFFSET
from core.tautulli_api import ApiError, api_command
from core.tautulli_api.datatables import table_request, table_response
from servers.apiv2 import server_from_params

from . import collections, images, metadata, server_info
from .client import PlexUnavailable, log_unavailable

logger = logging.getLogger(__name__)

IMAGE_CACHE_SECONDS = 30 * 86_400  # Tautulli serves proxied images with max-age 30 days
FALLBACK_DIR = Path(__file__).resolve().parent / "static" / "plex"
# pms_image_proxy's fallback names (Tautulli's DEFAULT_IMAGES) → our bundled placeholder.
FALLBACK_IMAGES = {
    "poster": "fallback-poster.png",
    "poster-live": "fallback-poster.png",
    "cover": "fallback-cover.png",
    "art": "fallback-art.png",
    "art-live": "fallback-art.png",
    "art-live-full": "fallback-art.png",
    "user": "fallback-user.png",
}
IMAGE_FORMATS = ("png", "jpg", "jpeg")
_HEX_COLOUR = re.compile(r"^[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")


def _unavailable(command: str, server, exc: PlexUnavailable) -> None:
    log_unavailable(logger, server, command, exc)


def _rating_key(params, name: str = "rating_key", *, required: bool = True) -> int | None:
    return params.int(name, required=required, minimum=0)


@api_command()
def get_metadata(request, params):
    """Get the metadata for a media item.

    Required parameters: rating_key (int): the item's rating key.
    Optional parameters: server (str): server id, name or machine identifier (default: the
    first); sync_id (str): not supported (synced items of plex.tv): answers {}.
    Returns: json: {"media_type": "movie", "section_id": "28", "library_name": "Movies",
    "rating_key": "166685", "parent_rating_key": "", "grandparent_rating_key": "", "title":
    "The American President", "full_title": "The American President", "year": "1995",
    "duration": "6798816" (ms), "added_at": "1773689867" (epoch s), "guid": "plex://movie/5d77...",
    "guids": ["imdb://tt0112346", ...], "directors": ["Rob Reiner"], "writers": [...],
    "actors": [...], "genres": ["Comedy", ...], "labels": [], "collections": [],
    "markers": [{"id": 118638, "type": "credits", "start_time_offset": 5984994,
    "end_time_offset": 6012994, "first": true, "final": false}, ...], "children_count": 0,
    "live": 0, "media_info": [{"id": "423781", "container": "mkv", "bitrate": "8090", ...,
    "parts": [{"id": "460987", "file": "...", "file_size": "6875051985", "indexes": 0,
    "streams": [{"id": "1434349", "type": "1", "video_codec": "hevc", ...}], "selected": 0}]}],
    ...} — every key of Tautulli v2.17.2's get_metadata, values strings except the lists,
    ``children_count``, ``live`` and the marker/stream flags (reference 1.2).

    An unknown rating key, or a PMS that cannot be reached, answers {} (as Tautulli).
    """
    if params.str("rating_key") is None and params.str("sync_id") is not None:
        return {}
    rating_key = _rating_key(params)
    server = server_from_params(params)
    if server is None:
        return {}
    try:
        return metadata.fetch_metadata(server, rating_key) or {}
    except PlexUnavailable as exc:
        _unavailable("get_metadata", server, exc)
        return {}


@api_command()
def get_children_metadata(request, params):
    """Get the metadata for the children of a media item.

    Required parameters: rating_key (int): the item's rating key.
    Optional parameters: media_type (str): the item's type ("playlist" and "collection" read
    their own item lists; others PMS's children); server (str).
    Returns: json: {"children_count": 9, "children_type": "season", "title": "Game of Thrones",
    "children_list": [{"media_type": "season", "section_id": "2", "library_name": "TV Shows",
    "rating_key": "1220", "parent_rating_key": "1219", "title": "Season 1", "media_index": "1",
    "thumb": "/library/metadata/1220/thumb/1602176313", "added_at": "1403553078", "directors": [],
    "actors": [], "genres": [], ..., "full_title": "Season 1"}, ...]}

    Unlike Tautulli, PMS's "All episodes" shortcut of a show (no rating key) is not listed, so
    ``children_count`` counts real children. Unknown item or PMS unreachable:
    {"children_count": 0, "children_type": "", "title": "", "children_list": []}.
    """
    rating_key = _rating_key(params)
    media_type = params.str("media_type")
    server = server_from_params(params)
    if server is None:
        return dict(metadata.EMPTY_CHILDREN)
    try:
        return metadata.fetch_children(server, rating_key, media_type)
    except PlexUnavailable as exc:
        _unavailable("get_children_metadata", server, exc)
        return dict(metadata.EMPTY_CHILDREN)


@api_command()
def get_recently_added(request, params):
    """Get the items most recently added to Plex.

    Required parameters: count (int): number of items to return.
    Optional parameters: start (int): the item number to start at (0); media_type (str):
    movie, show, artist or other_video (that home hub of PMS); section_id (int): one library;
    server (str).
    Returns: json: {"recently_added": [{"media_type": "episode", "section_id": "2",
    "library_name": "TV Shows", "rating_key": "153037", "parent_rating_key": "153036",
    "grandparent_rating_key": "1219", "title": "The Red Woman", "grandparent_title":
    "Game of Thrones", "added_at": "1461572396", "guid": "...", "guids": [], "directors": [...],
    "actors": [...], "genres": [...], "full_title": "The Red Woman", "child_count": "", ...},
    ...]} newest first; paging is asked of PMS (X-Plex-Container-Start/Size).

    PMS unreachable: {"recently_added": []}.
    """
    count = params.int("count", required=True, minimum=1, maximum=MAX_OFFSET)
    start = params.offset("start", 0)
    media_type = params.str("media_type")
    section_id = params.int("section_id", minimum=0)
    server = server_from_params(params)
    if server is None:
        return {"recently_added": []}
    try:
        items = metadata.fetch_recently_added(
            server, count, start=start, media_type=media_type, section_id=section_id
        )
    except PlexUnavailable as exc:
        _unavailable("get_recently_added", server, exc)
        items = []
    return {"recently_added": items}


@api_command()
def search(request, params):
    """Get search results from the PMS.

    Required parameters: query (str): the text to search for.
    Optional parameters: limit (int): the maximum number of items per media type; server (str).
    Returns: json: {"results_count": 2, "results_list": {"movie": [{get_metadata dict}, ...],
    "show": [], "season": [], "episode": [{...}], "artist": [], "album": [], "track": [],
    "collection": []}}; a show brings its seasons into "season".

    Deliberate difference: without ``limit`` Tautulli v2.17.2 sends PMS an empty limit that PMS
    rejects, so it always answers [] (known upstream); here PMS's own per-hub default applies.
    PMS unreachable: no results (results_count 0).
    """
    query = params.str("query", required=True)
    limit = params.int("limit", minimum=1)
    server = server_from_params(params)
    if server is None:
        return metadata.empty_search()
    try:
        return metadata.search(server, query, limit)
    except PlexUnavailable as exc:
        _unavailable("search", server, exc)
        return metadata.empty_search()


# --- the image proxy --------------------------------------------------------------------------------


def _fallback_response(fallback: str | None) -> HttpResponse | None:
    name = FALLBACK_IMAGES.get(fallback or "")
    if name is None:
        return None
    return _image_response((FALLBACK_DIR / name).read_bytes(), "image/png")


def _image_response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = f"max-age={IMAGE_CACHE_SECONDS}"
    return response


def image_cache_key(server, **options) -> str:
    """The cache key of one proxied image: the server and every option that changes the bytes
    (never the token)."""
    identity = [server.pk, server.machine_identifier or server.url]
    digest = hashlib.sha256(json.dumps([identity, options], sort_keys=True).encode()).hexdigest()
    return f"pms_image_proxy:{digest}"


@api_command(raw=True)
def pms_image_proxy(request, params):
    """Gets an image from the PMS, resized by PMS's photo transcoder, and caches it.

    Required parameters: img (str): "/library/metadata/153037/thumb/1462175060" or an http(s)
    URL, or rating_key (int): 54321 (its poster; its art when fallback starts with "art").
    Optional parameters: width (int): 750; height (int): 1000; opacity (int, 0-100): 100;
    background (str): hex colour, e.g. 282828 ("000000"); blur (int): 0; img_format (str): png
    or jpg; fallback (str): "poster", "cover", "art", "poster-live", "art-live",
    "art-live-full" or "user": a placeholder image when PMS has none or cannot be reached;
    refresh (bool): fetch again instead of using the cache; server (str).
    Returns: the image bytes (Content-Type as PMS answers, e.g. image/jpeg), cached for 30 days
    per server and options. Without an image and without a fallback: an error envelope (HTTP 400).
    ``return_hash`` (Tautulli's self-hosted image links) is not supported: an error envelope.
    """
    if params.bool("return_hash"):
        raise ApiError("return_hash is not supported: images are served by pms_image_proxy only")
    fallback = params.str("fallback")
    img = params.str("img")
    rating_key = _rating_key(params, required=False)
    options = {
        "width": params.int("width", 750, minimum=1),
        "height": params.int("height", 1000, minimum=1),
        "opacity": params.int("opacity", 100, minimum=0),
        "background": params.str("background", "000000").lstrip("#"),
        "blur": params.int("blur", 0, minimum=0),
        "img_format": (params.str("img_format", "png") or "png").lower(),
    }
    if options["opacity"] > 100:
        raise ApiError("Parameter opacity must be at most 100")
    if not _HEX_COLOUR.match(options["background"]):
        raise ApiError("Parameter background must be a hex colour such as 282828")
    if options["img_format"] not in IMAGE_FORMATS:
        raise ApiError("Parameter img_format must be png or jpg")
    refresh = params.bool("refresh", False)
    server = server_from_params(params)

    if not img and rating_key is None:
        response = _fallback_response(fallback)
        if response is None:
            raise ApiError("Parameter img or rating_key is required")
        return response
    if not img:
        kind = "art" if (fallback or "").startswith("art") else "thumb"
        img = f"/library/metadata/{rating_key}/{kind}"
    img = pms_image_path(img)
    if server is None:
        response = _fallback_response(fallback)
        if response is None:
            raise ApiError("No Plex Media Server is configured")
        return response

    response = proxied_image_response(server, img, fallback=fallback, refresh=refresh, **options)
    if response is None:
        raise ApiError("Unable to retrieve the image from the Plex Media Server")
    return response


def proxied_image_response(
    server, img: str, *, fallback: str | None, refresh: bool = False, **options
) -> HttpResponse | None:
    """The image ``img`` (a PMS path as :func:`pms_image_path` returns it, or an http(s) URL)
    of ``server`` resized by PMS with ``options`` (:func:`plex.images.fetch_image`'s), as an
    HTTP response cached for 30 days (from the cache unless ``refresh``); when PMS has no such
    image or cannot be reached, the placeholder named ``fallback`` (see
    :data:`FALLBACK_IMAGES`), or None without one. What ``pms_image_proxy`` and the admin's
    posters answer. An empty ``img`` answers the placeholder."""
    if not img:
        return _fallback_response(fallback)
    key = image_cache_key(server, img=img, **options)
    cacheable = "indexes" not in img  # preview thumbnails change with the offset
    if cacheable and not refresh:
        cached = cache.get(key)
        if cached is not None:
            return _image_response(*cached)
    try:
        body, content_type = images.fetch_image(server, img, **options)
    except PlexUnavailable as exc:
        if isinstance(exc, images.ImageNotFound):  # a client's wrong path: not worth a warning
            logger.debug("pms_image_proxy: %s", exc)
        else:
            log_unavailable(logger, server, "pms_image_proxy", exc)
        return _fallback_response(fallback)
    if cacheable:
        cache.set(key, (body, content_type), IMAGE_CACHE_SECONDS)
    return _image_response(body, content_type)


# --- the server -------------------------------------------------------------------------------------


@api_command()
def get_server_identity(request, params):
    """Get info about the local server (PMS's /identity).

    Optional parameters: server (str).
    Returns: json: {"machine_identifier": "ds48g4r354a8v9byrrtr697g3g79w",
    "version": "1.43.3.10793-cd55560bb"}; {} when PMS cannot be reached.
    """
    server = server_from_params(params)
    if server is None:
        return {}
    try:
        return server_info.server_identity(server)
    except PlexUnavailable as exc:
        _unavailable("get_server_identity", server, exc)
        return {}


@api_command()
def get_server_friendly_name(request, params):
    """Get the name of the PMS.

    Optional parameters: server (str).
    Returns: string: "Winterfell-Server" — the name PMS gives itself; when PMS cannot be reached,
    the configured name of the server (Tautulli's stored PMS_NAME). No server at all: error.
    """
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex Media Server is configured")
    try:
        return server_info.friendly_name(server) or server.name
    except PlexUnavailable as exc:
        _unavailable("get_server_friendly_name", server, exc)
        return server.name


@api_command()
def get_servers_info(request, params):
    """Get info about the PMS (its /servers list).

    Optional parameters: server (str).
    Returns: json: [{"port": "32400", "host": "192.0.2.10", "version": "1.43.3.10793-cd55560bb",
    "name": "Winterfell-Server", "machine_identifier": "ds48g4r354a8v9byrrtr697g3g79w"}] (all
    strings); [] when PMS cannot be reached.
    """
    server = server_from_params(params)
    if server is None:
        return []
    try:
        return server_info.servers_info(server)
    except PlexUnavailable as exc:
        _unavailable("get_servers_info", server, exc)
        return []


@api_command()
def get_server_id(request, params):
    """Get the PMS server identifier of a PMS at an address (its open /identity).

    Required parameters: hostname (str): "localhost" or "203.0.113.25"; port (int): 32400.
    Optional parameters: ssl (int): 0 or 1 (https); remote (int): accepted, unused.
    Returns: json: {"identifier": "08u2phnlkdshf890bhdlksghnljsahgleikjfg9t"}; when nothing
    answers there: error "Unable to retrieve the PMS identifier." (HTTP 400).
    """
    hostname = params.str("hostname", required=True).strip()
    port = params.int("port", required=True, minimum=1)
    if port > 65535:
        raise ApiError("Parameter port must be at most 65535")
    if not _HOSTNAME.match(hostname):
        raise ApiError("Parameter hostname must be a host name or an IP address")
    scheme = "https" if params.bool("ssl", False) else "http"
    host = f"[{hostname}]" if ":" in hostname and not hostname.startswith("[") else hostname
    url = f"{scheme}://{host}:{port}"
    try:
        identifier = server_info.identifier_at(url)
    except PlexUnavailable as exc:
        logger.warning("get_server_id: %s", exc)
        identifier = ""
    if not identifier:
        raise ApiError("Unable to retrieve the PMS identifier.")
    return {"identifier": identifier}


@api_command()
def get_server_list(request, params):
    """Get all your servers that are published to Plex.tv (the account of the server's token).

    Optional parameters: server (str).
    Returns: json: [{"clientIdentifier": "ds48g4r354a8v9byrrtr697g3g79w", "httpsRequired": "0",
    "ip": "192.0.2.13", "label": "Winterfell-Server", "local": "1", "port": "32400",
    "uri": "https://192-0-2-13.<hash>.plex.direct:32400", "value": "192.0.2.13:32400",
    "is_cloud": false}, ...] one entry per connection; [] when plex.tv cannot be read.
    """
    server = server_from_params(params)
    if server is None:
        return []
    try:
        servers = server_info.server_list(server)
    except PlexUnavailable as exc:
        condition = ("plex.tv", server.pk, "get_server_list")
        log_once.warn_once(logger, condition, "get_server_list: plex.tv is unavailable: %s", exc)
        return []
    log_once.clear(("plex.tv", server.pk))
    return servers


# --- collections and playlists ----------------------------------------------------------------------

EMPTY_TABLE = {"recordsFiltered": 0, "recordsTotal": 0, "draw": 0, "data": []}


def _list_table(params, rows_of, *, default_column: str, columns: set, search, labels=None):
    """The DataTables answer over the list ``rows_of()`` reads from PMS (see
    :func:`plex.collections.list_table`); the request is read first, so a bad one is a 400
    error without asking PMS."""
    table = table_request(params, default_column=default_column, columns=columns)
    page = collections.list_table(
        rows_of(), table, default_column=default_column, search_columns=search, labels=labels
    )
    return table_response(table, total=page["total"], filtered=page["filtered"], rows=page["rows"])


@api_command()
def get_collections_table(request, params):
    """Get the data on the Tautulli collections tables (read live from PMS).

    Required parameters: section_id (int): the library's section id (without it: an empty
    table, draw 0, as Tautulli).
    Optional parameters: order_column (str): titleSort (default), collectionMode,
    collectionSort or childCount; order_dir (str): desc (default) or asc; start (int): 0;
    length (int): 25; search (str): in title, titleSort and the mode/sort labels; json_data
    (str): a DataTables request instead of those; server (str).
    Returns: json: {"draw": 1, "recordsTotal": 5, "recordsFiltered": 5, "data": [{"addedAt":
    "2022-09-18T14:19:22" (server local time), "art": null, "childCount": 3,
    "collectionMode": -1, "collectionPublished": false, "collectionSort": 0, "contentRating":
    "G", "guid": "collection://4f19...", "librarySectionID": 1, "librarySectionTitle":
    "Movies", "maxYear": 2010, "minYear": 2006, "ratingKey": 161, "smart": false, "subtype":
    "movie", "summary": "", "thumb": "/library/collections/161/composite/1663510762",
    "title": "Animation", "titleSort": "Animation", "type": "collection", "updatedAt":
    "2022-09-18T14:19:22"}, ...]}; a library other than movies, shows or music has none.

    A section PMS does not have: error "No library section <id> on <server>" (HTTP 400;
    Tautulli fails with a 500). PMS unreachable: an empty table (logged).
    """
    section_id = params.int("section_id", minimum=0)
    server = server_from_params(params)
    if section_id is None:
        return dict(EMPTY_TABLE)

    def rows():
        try:
            return collections.fetch_collections(server, section_id)
        except PlexUnavailable as exc:
            _unavailable("get_collections_table", server, exc)
            return []

    return _pms_table(
        params,
        server,
        section_id,
        rows,
        default_column="titleSort",
        columns=collections.COLLECTION_COLUMNS,
        search=collections.COLLECTION_SEARCH,
        labels=collections.COLLECTION_LABELS,
    )


@api_command()
def get_playlists_table(request, params):
    """Get the data on the Tautulli playlists tables (read live from PMS).

    Required parameters: section_id (int): a library's section id (the owner's playlists
    holding its items), OR user_id (int): a user's id (that user's playlists, every library;
    section_id is then only echoed). Without either: an empty table, draw 0, as Tautulli.
    Optional parameters: order_column (str): title (default), leafCount or duration;
    order_dir (str): desc (default) or asc; start (int): 0; length (int): 25; search (str): in
    title, leafCount and duration; json_data (str): a DataTables request; server (str).
    Returns: json: {"draw": 1, "recordsTotal": 2, "recordsFiltered": 2, "data": [{"addedAt":
    "2022-09-18T14:24:28" (server local time), "composite": "/playlists/168/composite/1663511750",
    "duration": 10000 (ms), "guid": "com.plexapp.agents.none://8a73...", "leafCount": 2,
    "librarySectionID": "1" (the section_id asked, as text; null without), "playlistType":
    "video", "ratingKey": 168, "smart": true, "summary": "", "title": "Movies Since 2007",
    "type": "playlist", "updatedAt": "2022-09-18T14:29:10", "userID": null (the user_id
    asked, as text)}, ...]}.

    A user's playlists are read with the token PMS gave that user (stored by the users
    refresh from plex.tv; the owner's: the server's token), see
    :func:`plex.collections.playlists_token`. A user without a stored token (unknown, or
    never refreshed) has no playlists here, as in Tautulli; one whose token PMS rejects neither
    (logged; Tautulli fails).
    A section PMS does not have: error (HTTP 400). PMS unreachable: an empty table (logged).
    """
    section_id = params.int("section_id", minimum=0)
    user_id = params.int("user_id", minimum=0)
    server = server_from_params(params)
    if section_id is None and user_id is None:
        return dict(EMPTY_TABLE)

    def rows():
        try:
            if user_id is not None:
                return collections.fetch_user_playlists(server, user_id, section_id)
            return collections.fetch_section_playlists(server, section_id)
        except PlexUnavailable as exc:
            _unavailable("get_playlists_table", server, exc)
            return []

    return _pms_table(
        params,
        server,
        section_id,
        rows,
        default_column="title",
        columns=collections.PLAYLIST_COLUMNS,
        search=collections.PLAYLIST_SEARCH,
    )


def _pms_table(params, server, section_id, rows, **options):
    """The table of ``rows()`` (see :func:`_list_table`); no server: an empty table; a section
    PMS does not have: :class:`ApiError`."""
    if server is None:
        return _list_table(params, list, **options)
    try:
        return _list_table(params, rows, **options)
    except collections.UnknownSection:
        raise ApiError(f"No library section {section_id} on {server.name}") from None
