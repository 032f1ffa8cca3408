"""Routes that give a :class:`~plex.testing.FakePlexServer` collections and playlists: the
section search for collections (``/library/sections/<id>/all?type=18``, what plexapi's
``LibrarySection.collections`` asks) and PMS's list ``/library/sections/<id>/collections``,
``/playlists`` (filtered by ``playlistType`` and ``sectionID``, and by the token: each account
sees its own playlists), ``/playlists/<id>`` and ``/playlists/<id>/items``::

    with FakePlexServer() as pms:
        add_inventory_sections(pms)      # section routes first: collections wrap them
        fake = add_collections(pms)      # fake.collections[1], fake.playlists, fake.user_playlists

No recorded list of collections or playlists is in ``shared/fixtures``: the lists are built
around the two recorded items (``plex-api.rs/server/media/metadata_161.json``, the collection
"Animation" of the Movies section, and ``metadata_168.json``, the smart playlist "Movies Since
2007"), with PMS's shape as plexapi models it (``plexapi.collection.Collection``: a
``<Directory type="collection">`` with ``smart``, ``collectionMode``, ``collectionSort``,
``childCount``, ``minYear``/``maxYear``...; ``plexapi.playlist.Playlist``: a
``<Playlist type="playlist">`` with ``playlistType``, ``smart``, ``composite``, ``duration``
(ms), ``leafCount``). The other entries are made up in that shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from plex.testing.media_routes import COLLECTION, MOVIES, PLAYLIST, json_fixture_xml

COLLECTION_TYPE = "18"  # PMS's search type number of collections (plexapi.utils.SEARCHTYPES)

# Built collections (PMS's attributes), by section id, after the recorded "Animation" (161).
BUILT_COLLECTIONS = {
    1: [
        {
            "ratingKey": "170",
            "key": "/library/collections/170/children",
            "guid": "collection://0b1c2d3e-0000-4000-8000-000000000170",
            "type": "collection",
            "title": "Zombie Classics",
            "librarySectionTitle": "Movies",
            "librarySectionID": "1",
            "librarySectionKey": "/library/sections/1",
            "subtype": "movie",
            "summary": "Every zombie film of the library.",
            "smart": "1",
            "collectionMode": "2",
            "collectionSort": "1",
            "thumb": "/library/collections/170/composite/1663600000",
            "addedAt": "1663600000",
            "updatedAt": "1663700000",
            "childCount": "2",
            "maxYear": "2004",
            "minYear": "1968",
        },
        {
            "ratingKey": "171",
            "key": "/library/collections/171/children",
            "guid": "collection://0b1c2d3e-0000-4000-8000-000000000171",
            "type": "collection",
            "title": "Marvel",
            "titleSort": "Marvel Cinematic Universe",
            "librarySectionTitle": "Movies",
            "librarySectionID": "1",
            "librarySectionKey": "/library/sections/1",
            "contentRating": "PG-13",
            "subtype": "movie",
            "summary": "",
            "collectionMode": "0",
            "collectionSort": "2",
            "collectionPublished": "1",
            "art": "/library/collections/171/art/1663800000",
            "thumb": "/library/collections/171/thumb/1663800000",
            "addedAt": "1663800000",
            "updatedAt": "1663800000",
            "childCount": "12",
            "maxYear": "2019",
            "minYear": "2008",
        },
    ],
    2: [
        {
            "ratingKey": "172",
            "key": "/library/collections/172/children",
            "guid": "collection://0b1c2d3e-0000-4000-8000-000000000172",
            "type": "collection",
            "title": "Sitcoms",
            "librarySectionTitle": "TV Shows",
            "librarySectionID": "2",
            "librarySectionKey": "/library/sections/2",
            "subtype": "show",
            "summary": "",
            "thumb": "/library/collections/172/composite/1663900000",
            "addedAt": "1663900000",
            "updatedAt": "1663900000",
            "childCount": "1",
        }
    ],
}

# Built playlists of the owner after the recorded "Movies Since 2007" (168), and the library
# sections whose items each holds (what PMS's ``sectionID`` filter matches).
BUILT_PLAYLISTS = [
    {
        "ratingKey": "180",
        "key": "/playlists/180/items",
        "guid": "com.plexapp.agents.none://0b1c2d3e-0000-4000-8000-000000000180",
        "type": "playlist",
        "title": "Weekend Shows",
        "summary": "",
        "smart": "0",
        "playlistType": "video",
        "composite": "/playlists/180/composite/1664000000",
        "duration": "7800000",
        "leafCount": "3",
        "addedAt": "1664000000",
        "updatedAt": "1664000500",
    },
    {
        "ratingKey": "181",
        "key": "/playlists/181/items",
        "guid": "com.plexapp.agents.none://0b1c2d3e-0000-4000-8000-000000000181",
        "type": "playlist",
        "title": "Dubstep",
        "summary": "Loud.",
        "smart": "0",
        "playlistType": "audio",
        "composite": "/playlists/181/composite/1664100000",
        "duration": "900000",
        "leafCount": "3",
        "addedAt": "1664100000",
        "updatedAt": "1664100000",
    },
]
PLAYLIST_SECTIONS = {"168": {1}, "180": {2}, "181": {3}}
# The movies of the recorded playlist 168 (``/playlists/168/items``; its leafCount is 2).
PLAYLIST_ITEMS = {"168": ("55", "108")}
# A shared user's own playlist (its token is registered with :func:`add_user_playlists`).
USER_PLAYLIST = {
    "ratingKey": "190",
    "key": "/playlists/190/items",
    "guid": "com.plexapp.agents.none://0b1c2d3e-0000-4000-8000-000000000190",
    "type": "playlist",
    "title": "Alice's Picks",
    "summary": "",
    "smart": "0",
    "playlistType": "video",
    "composite": "/playlists/190/composite/1664200000",
    "duration": "5400000",
    "leafCount": "1",
    "addedAt": "1664200000",
    "updatedAt": "1664200000",
}


@dataclass
class FakeCollections:
    """What the routes serve (change it between requests): ``collections`` section id →
    ``<Directory type="collection">`` attribute dicts; ``playlists`` the owner's playlist
    attribute dicts; ``sections`` playlist rating key → section ids it holds items of;
    ``user_playlists`` a user's token → their playlists."""

    collections: dict[int, list[dict]] = field(default_factory=dict)
    playlists: list[dict] = field(default_factory=list)
    sections: dict[str, set[int]] = field(default_factory=dict)
    user_playlists: dict[str, list[dict]] = field(default_factory=dict)
    # Collection rating key → the rating keys it holds, in order (collections made or edited
    # through :mod:`plex.testing.collection_writes`).
    members: dict[str, list[str]] = field(default_factory=dict)


def recorded_item(pms, relative: str) -> dict:
    """The attributes of the one item of a recorded ``/library/metadata/<rk>`` answer."""
    return dict(ET.fromstring(json_fixture_xml(pms, relative))[0].attrib)


def _container(tag: str, items: list[dict], **attrs) -> str:
    root = ET.Element("MediaContainer", size=str(len(items)), **attrs)
    for item in items:
        ET.SubElement(root, tag, {k: str(v) for k, v in item.items()})
    return ET.tostring(root, encoding="unicode")


def add_collections(pms) -> FakeCollections:
    """Serve collections and playlists (see module doc) on ``pms``: the Movies section (1)
    has "Animation" (recorded, 161), "Zombie Classics" (smart, 170) and "Marvel" (171); TV
    Shows (2) has "Sitcoms" (172); Music (3) none. The owner's playlists: "Movies Since 2007"
    (recorded, video, section 1), "Weekend Shows" (video, section 2), "Dubstep" (audio,
    section 3). Call it after the section routes (``add_inventory_sections``...): the section
    search keeps answering every other type as before."""
    animation = recorded_item(pms, COLLECTION)
    animation["librarySectionID"] = "1"
    fake = FakeCollections(
        collections={
            1: [animation, *BUILT_COLLECTIONS[1]],
            2: list(BUILT_COLLECTIONS[2]),
        },
        playlists=[recorded_item(pms, PLAYLIST), *BUILT_PLAYLISTS],
        sections={key: set(value) for key, value in PLAYLIST_SECTIONS.items()},
    )
    for section_id in (1, 2, 3):
        wrap_section_search(pms, fake, section_id)
        pms.route(
            f"/library/sections/{section_id}/collections",
            lambda request, section_id=section_id: _collections_xml(fake, section_id),
        )
    pms.route("/playlists", lambda request: _playlists_xml(pms, fake, request))
    pms.route_pattern(r"/playlists/(?P<rating_key>\d+)", lambda r: _playlist_xml(pms, fake, r))
    pms.route_pattern(r"/playlists/(?P<rating_key>\d+)/items", lambda r: _items_xml(pms, fake, r))
    return fake


def add_user_playlists(pms, fake: FakeCollections, token: str, playlists=None) -> None:
    """Accept ``token`` (a shared user's server token) on ``pms`` and answer ``/playlists``
    signed in with it with ``playlists`` (default: :data:`USER_PLAYLIST` alone)."""
    pms.user_tokens.add(token)
    fake.user_playlists[token] = list(playlists if playlists is not None else [USER_PLAYLIST])


def _collections_xml(fake: FakeCollections, section_id: int, request=None) -> str:
    """The section's collections; with a ``title`` filter (plexapi's ``collection(title)``
    sends ``title=<title>``), those whose title contains it, ignoring case (PMS's default
    string filter)."""
    wanted = (request.query.get("title") or "").lower() if request is not None else ""
    items = [c for c in fake.collections.get(section_id, []) if wanted in c["title"].lower()]
    return _container("Directory", items, librarySectionID=str(section_id))


def wrap_section_search(pms, fake: FakeCollections, section_id: int) -> None:
    """``/library/sections/<id>/all``: ``type=18`` answers the collections; any other request
    is answered by the route that served it before (an exact one, else the fake's pattern)."""
    path = f"/library/sections/{section_id}/all"
    before = pms.routes.get(("GET", path))

    def answer(request):
        if request.query.get("type") == COLLECTION_TYPE:
            return _collections_xml(fake, section_id, request)
        route = before or pms._pattern_route(request)
        return route.body(request) if callable(route.body) else route.body

    pms.route(path, answer)


def _visible(fake: FakeCollections, pms, token: str | None) -> list[dict]:
    if token == pms.token:
        return fake.playlists
    return fake.user_playlists.get(token or "", [])


def _playlists_xml(pms, fake: FakeCollections, request) -> str:
    """``/playlists``: the playlists of the account whose token asks, of ``playlistType`` and
    holding items of section ``sectionID`` when those are given."""
    kind = request.query.get("playlistType")
    section = request.query.get("sectionID")
    items = [
        playlist
        for playlist in _visible(fake, pms, request.token)
        if (not kind or playlist.get("playlistType") == kind)
        and (not section or int(section) in fake.sections.get(playlist["ratingKey"], set()))
    ]
    return _container("Playlist", items)


def _playlist(pms, fake: FakeCollections, request) -> dict | None:
    rating_key = request.path.split("/")[2]
    playlists = _visible(fake, pms, request.token)
    return next((p for p in playlists if p["ratingKey"] == rating_key), None)


def _playlist_xml(pms, fake: FakeCollections, request) -> str | None:
    playlist = _playlist(pms, fake, request)
    return None if playlist is None else _container("Playlist", [playlist])


def _items_xml(pms, fake: FakeCollections, request) -> str | None:
    """``/playlists/<id>/items``: the recorded movies a playlist holds (168: 55 and 108)."""
    playlist = _playlist(pms, fake, request)
    if playlist is None:
        return None
    wanted = PLAYLIST_ITEMS.get(playlist["ratingKey"], ())
    movies = ET.fromstring(json_fixture_xml(pms, MOVIES))
    root = ET.Element("MediaContainer", ratingKey=playlist["ratingKey"], title=playlist["title"])
    for item in movies:
        if item.get("ratingKey") in wanted:
            root.append(item)
    root.set("size", str(len(root)))
    return ET.tostring(root, encoding="unicode")
