"""Routes that let plexapi make, fill, empty and delete regular collections on a
:class:`~plex.testing.FakePlexServer` (what housekeeping's "leaving soon" collection does)::

    with FakePlexServer() as pms:
        library = add_generated_library(pms, 200)
        fake = add_collection_writes(pms)    # fake.collections[1], fake.members["200000"]

Built from the requests plexapi (``plexapi.collection.Collection``) sends, as PMS answers them
(no recording of these writes is in ``shared/fixtures``):

* ``POST /library/collections?uri=server://<machine id>/com.plexapp.plugins.library/library/
  metadata/<keys>&type=<N>&title=<title>&smart=0&sectionId=<id>`` — makes a regular collection
  holding those items (``Collection.create``); answers a ``MediaContainer`` with its
  ``<Directory type="collection">`` (rating keys from :data:`FIRST_COLLECTION_KEY`). Smart
  collections (``smart=1``) are not served (400);
* ``GET /library/collections/<id>`` — the collection; ``.../children`` — its items, each the
  item's ``GET /library/metadata/<key>`` element (keys the fake no longer knows are left out);
* ``PUT /library/collections/<id>/items?uri=...`` — adds the items not in it yet (``addItems``);
* ``DELETE /library/collections/<id>/items/<key>`` — removes one (``removeItems``);
* ``DELETE /library/collections/<id>`` — deletes the collection (``delete``), not its items.

The section search ``/library/sections/<id>/all?type=18`` (``LibrarySection.collections`` /
``collection(title)``) lists them, with the ``title`` filter, through
:mod:`plex.testing.collection_routes`. Every request is in ``pms.requests``.
"""

from __future__ import annotations

import itertools
from xml.etree import ElementTree as ET

from plex.testing.collection_routes import FakeCollections, _container, wrap_section_search
from plex.testing.fake_pms import Reply

FIRST_COLLECTION_KEY = 200_000
SECTIONS = (1, 2, 3)  # library_sections.xml
TYPE_NAMES = {"1": "movie", "2": "show", "3": "season", "4": "episode", "8": "artist"}
TYPE_NAMES |= {"9": "album", "10": "track"}
ADDED_AT = 1_700_000_000  # epoch seconds, the addedAt of collections made here


def add_collection_writes(pms, fake: FakeCollections | None = None) -> FakeCollections:
    """Serve the collection writes (see module doc) on ``pms``. ``fake``: the collections of
    :func:`plex.testing.collection_routes.add_collections` to edit; without it, an empty
    :class:`FakeCollections` is made and the section searches of sections 1-3 wrapped to list
    it (call after the section routes, e.g. ``add_generated_library``). Returns it."""
    if fake is None:
        fake = FakeCollections()
        for section_id in SECTIONS:
            wrap_section_search(pms, fake, section_id)
    keys = itertools.count(FIRST_COLLECTION_KEY)

    def find(request) -> dict | None:
        rating_key = request.path.split("/")[3]
        for collections in fake.collections.values():
            for collection in collections:
                if collection["ratingKey"] == rating_key:
                    return collection
        return None

    def one(collection: dict) -> str:
        fake.members.setdefault(collection["ratingKey"], [])
        collection["childCount"] = str(len(fake.members[collection["ratingKey"]]))
        return _container("Directory", [collection])

    def create(request):
        query = request.query
        if query.get("smart", "0") != "0":
            return Reply(400, "<html><body><h1>400 Bad Request</h1></body></html>", "text/html")
        section_id = int(query.get("sectionId") or 0)
        rating_key = str(next(keys))
        collection = {
            "ratingKey": rating_key,
            "key": f"/library/collections/{rating_key}/children",
            "guid": f"collection://0b1c2d3e-0000-4000-8000-{int(rating_key):012d}",
            "type": "collection",
            "title": query.get("title", ""),
            "librarySectionID": str(section_id),
            "librarySectionKey": f"/library/sections/{section_id}",
            "subtype": TYPE_NAMES.get(query.get("type", ""), "movie"),
            "smart": "0",
            "collectionMode": "-1",
            "collectionSort": "0",
            "addedAt": str(ADDED_AT),
            "updatedAt": str(ADDED_AT),
            "childCount": "0",
        }
        fake.collections.setdefault(section_id, []).append(collection)
        fake.members[rating_key] = _uri_keys(query.get("uri", ""))
        return one(collection)

    def show(request):
        collection = find(request)
        return None if collection is None else one(collection)

    def children(request):
        collection = find(request)
        if collection is None:
            return None
        root = ET.Element("MediaContainer", librarySectionID=collection["librarySectionID"])
        for key in fake.members.get(collection["ratingKey"], []):
            text = pms.metadata_item_xml(key)
            if text is not None:
                root.extend(list(ET.fromstring(text)))
        root.set("size", str(len(root)))
        return ET.tostring(root, encoding="unicode")

    def add_items(request):
        collection = find(request)
        if collection is None:
            return None
        members = fake.members.setdefault(collection["ratingKey"], [])
        members += [key for key in _uri_keys(request.query.get("uri", "")) if key not in members]
        return one(collection)

    def remove_item(request):
        collection = find(request)
        if collection is None:
            return None
        members = fake.members.setdefault(collection["ratingKey"], [])
        item = request.path.rsplit("/", 1)[-1]
        if item not in members:
            return None
        members.remove(item)
        return one(collection)

    def delete(request):
        collection = find(request)
        if collection is None:
            return None
        for collections in fake.collections.values():
            if collection in collections:
                collections.remove(collection)
        fake.members.pop(collection["ratingKey"], None)
        return ""

    pms.route("/library/collections", create, method="POST")
    pms.route_pattern(r"/library/collections/\d+", show)
    pms.route_pattern(r"/library/collections/\d+", delete, method="DELETE")
    pms.route_pattern(r"/library/collections/\d+/children", children)
    pms.route_pattern(r"/library/collections/\d+/items", add_items, method="PUT")
    pms.route_pattern(r"/library/collections/\d+/items/\d+", remove_item, method="DELETE")
    return fake


def _uri_keys(uri: str) -> list[str]:
    """The rating keys of ``server://<id>/com.plexapp.plugins.library/library/metadata/1,2``."""
    _, _, keys = uri.partition("/library/metadata/")
    return [key for key in keys.split(",") if key.isdigit()]
