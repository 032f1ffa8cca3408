"""A library whose items were added over the last days, for the newsletter's content
(:mod:`plex.newsletter_content`): what PMS answers to ``/library/sections/<id>/recentlyAdded``
(paged by the fake), the items' details and children::

    with FakePlexServer() as pms:
        library = add_recently_added(pms, now=1795343400)   # epoch seconds: "now" on PMS
        library.requests(pms, 1)   # the recentlyAdded requests PMS answered for section 1

The items are recorded PMS answers (``shared/fixtures``), given rating keys of their own
(:data:`KEY_BASE` + the recorded key, so they never meet :func:`~plex.testing.media_routes.
add_library`'s) and ``addedAt`` values relative to ``now`` (:data:`DAY` = 86,400 s):

* section 1 "Movies" (``library_sections.xml``): the 34 movies of Plex-Board's recently added
  answer (genres, directors, writers, roles as PMS lists them), newest first: "Hidden Figures"
  0.5 day ago, "Rogue One" 2 days, "Underworld: Blood Wars" 3.5 days, "Friday" 6 days,
  "Manchester by the Sea" 8 days, then one every 2 days further back (see :data:`MOVIE_AGES`);
* section 2 "TV Shows": "The 100" (plex-api.rs) with Season 1 episodes 1-3 added 5 days ago,
  episode 4 40 days ago and episode 5 3 days ago, and Season 2 episodes 1-2 added 1 day ago;
  "Game of Thrones" (no episodes recorded) added 100 days ago. As PMS does, the list answer
  groups Season 2's two episodes into one ``<Directory type="season">`` entry (``leafCount``),
  lists "The 100" itself (a ``<Directory type="show">`` entry, 40 days ago: when it was first
  added) and the other episodes one by one;
* section 3 "Music": Skrillex's album "Try It Out" (3 tracks) added 2 days ago and a second
  album "Try It Out (Remixes)" (built from it: another title, 2 tracks) 4 days ago; System of a
  Down (an artist without recorded albums) 60 days ago. The list answer lists albums, each
  with ``leafCount`` (its tracks) as PMS sends it;
* section 4 "Home Videos" (built: section 1's ``<Directory>`` with key 4, another title and
  uuid, and Plex's personal-media agent ``tv.plex.agents.none``): "Big Buck Bunny" 1.5 days,
  "Elephants Dream" 6.5 days and "Sintel" 20 days ago (plex-api.rs's movies).

What is built rather than recorded: the rating keys and ``addedAt`` values; the episodes the
recording lacks (S01E04, S01E05, S02E01, S02E02 are copies of the recorded ones with their
index, season, title and key changed); the second album; ``leafCount`` of albums; the fourth
section. ``/library/sections`` answers the recorded sections plus section 4, and
``/library/sections/4/all`` (what the inventory reads) lists the home videos.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from plex.testing.fake_pms import SECTIONS_FIXTURE, Listing
from plex.testing.media_routes import (
    ALBUM_157,
    ARTISTS,
    EPISODES_OF_89,
    MOVIES,
    RECENTLY_ADDED,
    SEASONS_OF_22,
    SHOWS,
    TRACKS_OF_157,
    json_fixture_xml,
)

DAY = 86_400
KEY_BASE = 900_000  # a served item's rating key = KEY_BASE + its recorded rating key
PERSONAL_SECTION = 4
PERSONAL_AGENT = "tv.plex.agents.none"
# Days before "now" each Plex-Board movie was added, in the recorded (newest first) order;
# the movies after these were added 2 days apart before the last.
MOVIE_AGES = (0.5, 2, 3.5, 6, 8)
# (recorded episode, season number, episode number, title, days ago) of "The 100".
EPISODES = (
    (90, 1, 1, None, 5),
    (91, 1, 2, None, 5),
    (92, 1, 3, None, 5),
    (90, 1, 4, "His Sister's Keeper", 40),
    (91, 1, 5, "Contents Under Pressure", 3),
    (92, 2, 1, "The 48", 1),
    (90, 2, 2, "Inclement Weather", 1),
)
HOME_VIDEOS = ((55, 1.5), (56, 6.5), (57, 20))  # (recorded movie, days ago)
_PATH_KEY = re.compile(r"/library/metadata/(\d+)")


def served_key(recorded) -> int:
    """The rating key an item recorded as ``recorded`` is served under."""
    return KEY_BASE + int(recorded)


def _rekey(elem: ET.Element, keys: dict[str, str]) -> ET.Element:
    """``elem`` with its own and its parents' rating keys, and the keys in its paths (``key``,
    ``thumb``, ``parentThumb``...), replaced by ``keys`` (recorded → served)."""
    for name, value in list(elem.attrib.items()):
        if name in ("ratingKey", "parentRatingKey", "grandparentRatingKey"):
            elem.set(name, keys.get(value, value))
        elif "/library/metadata/" in value:
            elem.set(
                name, _PATH_KEY.sub(lambda m: f"/library/metadata/{keys.get(m[1], m[1])}", value)
            )
    return elem


def _item(pms, relative: str, rating_key) -> ET.Element:
    """A copy of the recorded list entry with that rating key."""
    root = ET.fromstring(json_fixture_xml(pms, relative))
    return next(e for e in root if e.get("ratingKey") == str(rating_key))


@dataclass
class RecentlyAddedLibrary:
    """What :func:`add_recently_added` serves: ``lists[section_id]`` the recentlyAdded entries
    (XML texts, newest first), ``items`` each item's element by rating key (str), ``children``
    the children's keys of a season, show or artist, ``added`` every item's ``addedAt``."""

    now: int
    lists: dict[int, list[str]] = field(default_factory=dict)
    items: dict[str, ET.Element] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[int, str] = field(default_factory=dict)

    def ago(self, days: float) -> int:
        """``now`` minus ``days`` days, epoch seconds."""
        return int(self.now - days * DAY)

    def requests(self, pms, section_id: int) -> list:
        """The requests ``pms`` answered for ``/library/sections/<section_id>/recentlyAdded``."""
        path = f"/library/sections/{section_id}/recentlyAdded"
        return [request for request in pms.requests if request.path == path]

    def metadata_xml(self, rating_key: str) -> str | None:
        """``GET /library/metadata/<rating_key>`` of a served item (None: not one of ours)."""
        elem = self.items.get(rating_key)
        if elem is None:
            return None
        section = elem.get("librarySectionID", "")
        attributes = {
            "librarySectionID": section,
            "librarySectionTitle": self.sections[int(section)],
        }
        return Listing([ET.tostring(elem, encoding="unicode")], attributes).xml()

    def children_xml(self, rating_key: str) -> Listing | None:
        """``/library/metadata/<key>/children`` (or ``allLeaves`` of a show)."""
        parent = self.items.get(rating_key)
        if parent is None:
            return None
        keys = self.children.get(rating_key, [])
        section = parent.get("librarySectionID", "")
        texts = [ET.tostring(self.items[key], encoding="unicode") for key in keys]
        return Listing(
            texts,
            {
                "librarySectionID": section,
                "librarySectionTitle": self.sections[int(section)],
                "key": rating_key,
                "title2": parent.get("title", ""),
            },
        )

    def _add(self, elem: ET.Element, section_id: int, parent: str | None = None) -> ET.Element:
        elem.set("librarySectionID", str(section_id))
        elem.set("librarySectionTitle", self.sections[section_id])
        self.items[elem.get("ratingKey")] = elem
        if parent is not None:
            self.children.setdefault(parent, []).append(elem.get("ratingKey"))
        return elem


def _sections_xml(pms) -> str:
    """The recorded ``/library/sections`` plus section 4, a personal-media movie library."""
    root = ET.fromstring(pms.fixture(SECTIONS_FIXTURE))
    movies = next(d for d in root if d.get("key") == "1")
    home = ET.fromstring(ET.tostring(movies))
    home.set("key", str(PERSONAL_SECTION))
    home.set("title", "Home Videos")
    home.set("agent", PERSONAL_AGENT)
    home.set("scanner", "Plex Video Files Scanner")
    home.set("uuid", "0d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b")
    home.find("Location").set("id", str(PERSONAL_SECTION))
    home.find("Location").set("path", "/storage/home-videos")
    root.append(home)
    root.set("size", str(len(root)))
    return ET.tostring(root, encoding="unicode")


def add_recently_added(pms, now: int | None = None) -> RecentlyAddedLibrary:
    """Serve the library of the module doc on ``pms``, its ``addedAt`` values relative to
    ``now`` (epoch seconds; default: the current time, the frozen clock in tests). Returns it
    (its :meth:`~RecentlyAddedLibrary.ago` gives the times, :meth:`~RecentlyAddedLibrary.requests`
    the recentlyAdded requests PMS answered)."""
    now = int(time.time()) if now is None else int(now)
    library = RecentlyAddedLibrary(now=now)
    sections_xml = _sections_xml(pms)
    for directory in ET.fromstring(sections_xml):
        library.sections[int(directory.get("key"))] = directory.get("title", "")
    entries: dict[int, list[ET.Element]] = {section: [] for section in library.sections}

    # Movies: Plex-Board's recently added movies.
    recorded = [
        e for e in ET.fromstring(json_fixture_xml(pms, RECENTLY_ADDED)) if e.get("type") == "movie"
    ]
    keys = {e.get("ratingKey"): str(served_key(e.get("ratingKey"))) for e in recorded}
    for number, elem in enumerate(recorded):
        age = (
            MOVIE_AGES[number]
            if number < len(MOVIE_AGES)
            else MOVIE_AGES[-1] + 2 * (number - len(MOVIE_AGES) + 1)
        )
        elem.set("addedAt", str(library.ago(age)))
        entries[1].append(library._add(_rekey(elem, keys), 1))

    # Shows: "The 100" (seasons 1 and 2, episodes over several days), "Game of Thrones".
    keys = {k: str(served_key(k)) for k in ("22", "68", "89", "33", "90", "91", "92")}
    show = library._add(_rekey(_item(pms, SHOWS, 22), keys), 2)
    show.set("addedAt", str(library.ago(40)))
    got = library._add(_rekey(_item(pms, SHOWS, 68), keys), 2)
    got.set("addedAt", str(library.ago(100)))
    seasons = {1: _item(pms, SEASONS_OF_22, 89), 2: _item(pms, SEASONS_OF_22, 33)}
    for elem in seasons.values():
        library._add(_rekey(elem, keys), 2, parent=show.get("ratingKey"))
    new_key = iter(range(served_key(190), served_key(200)))
    episodes = []
    for recorded_key, season, number, title, age in EPISODES:
        elem = _rekey(_item(pms, EPISODES_OF_89, recorded_key), keys)
        season_elem = seasons[season]
        if (season, number) != (1, int(elem.get("index"))):  # a copy: an episode of its own
            rating_key = str(next(new_key))
            elem.set("ratingKey", rating_key)
            elem.set("key", f"/library/metadata/{rating_key}")
            elem.set("thumb", f"/library/metadata/{rating_key}/thumb/{library.ago(age)}")
            elem.set("title", title)
            elem.set("index", str(number))
            elem.set("parentIndex", str(season))
            for name in ("parentRatingKey", "parentTitle", "parentThumb", "parentGuid"):
                source = {"parentRatingKey": "ratingKey", "parentTitle": "title"}.get(
                    name, name[6].lower() + name[7:]
                )
                if season_elem.get(source) is not None:
                    elem.set(name, season_elem.get(source))
            elem.set("parentKey", f"/library/metadata/{season_elem.get('ratingKey')}")
        elem.set("addedAt", str(library.ago(age)))
        library._add(elem, 2, parent=season_elem.get("ratingKey"))
        library.children.setdefault(show.get("ratingKey"), []).append(elem.get("ratingKey"))
        episodes.append(elem)
    # allLeaves of the show lists episodes; its children are its seasons.
    show_key = show.get("ratingKey")
    library.children[f"{show_key}/allLeaves"] = [
        k for k in library.children[show_key] if library.items[k].get("type") == "episode"
    ]
    library.children[show_key] = [s.get("ratingKey") for s in seasons.values()]
    for elem in seasons.values():
        leaves = [library.items[k] for k in library.children[elem.get("ratingKey")]]
        elem.set("leafCount", str(len(leaves)))
        elem.set("addedAt", str(min(int(e.get("addedAt")) for e in leaves)))
    # PMS's list: Season 2's episodes (added together) as one season entry, the others alone.
    season_2 = ET.fromstring(ET.tostring(seasons[2]))
    season_2.set("addedAt", str(library.ago(1)))
    entries[2] += [season_2, show, got] + [e for e in episodes if e.get("parentIndex") == "1"]

    # Music: Skrillex's album (and a second one built from it), System of a Down.
    keys = {k: str(served_key(k)) for k in ("156", "142", "157", "158", "159", "160")}
    artist = library._add(_rekey(_item(pms, ARTISTS, 156), keys), 3)
    artist.set("addedAt", str(library.ago(4)))
    other = library._add(_rekey(_item(pms, ARTISTS, 142), keys), 3)
    other.set("addedAt", str(library.ago(60)))
    album = _rekey(_item(pms, ALBUM_157, 157), keys)
    album.set("addedAt", str(library.ago(2)))
    remixes = ET.fromstring(ET.tostring(album))
    remixes_key = str(served_key(161_000))
    remixes.set("ratingKey", remixes_key)
    remixes.set("key", f"/library/metadata/{remixes_key}/children")
    remixes.set("title", "Try It Out (Remixes)")
    remixes.set("thumb", f"/library/metadata/{remixes_key}/thumb/{library.ago(4)}")
    remixes.set("addedAt", str(library.ago(4)))
    tracks = [_rekey(e, keys) for e in ET.fromstring(json_fixture_xml(pms, TRACKS_OF_157))]
    for elem, count in ((album, 3), (remixes, 2)):
        elem.set("leafCount", str(count))
        library._add(elem, 3, parent=artist.get("ratingKey"))
    for number, track in enumerate(tracks):
        if number < 2:
            copy = ET.fromstring(ET.tostring(track))
            copy_key = str(served_key(161_001 + number))
            copy.set("ratingKey", copy_key)
            copy.set("key", f"/library/metadata/{copy_key}")
            copy.set("parentRatingKey", remixes_key)
            copy.set("parentTitle", remixes.get("title"))
            copy.set("addedAt", remixes.get("addedAt"))
            library._add(copy, 3, parent=remixes_key)
        track.set("addedAt", album.get("addedAt"))
        library._add(track, 3, parent=album.get("ratingKey"))
    entries[3] += [album, remixes, other]

    # Home videos: plex-api.rs's movies in the personal-media section.
    keys = {str(k): str(served_key(k)) for k, _ in HOME_VIDEOS}
    for recorded_key, age in HOME_VIDEOS:
        elem = _rekey(_item(pms, MOVIES, recorded_key), keys)
        elem.set("addedAt", str(library.ago(age)))
        entries[PERSONAL_SECTION].append(library._add(elem, PERSONAL_SECTION))

    for section_id, section_entries in entries.items():
        section_entries.sort(key=lambda e: int(e.get("addedAt") or 0), reverse=True)
        library.lists[section_id] = [ET.tostring(e, encoding="unicode") for e in section_entries]

    def recently_added(section_id: int):
        def answer(request):
            return Listing(
                library.lists[section_id],
                {
                    "allowSync": "1",
                    "identifier": "com.plexapp.plugins.library",
                    "librarySectionID": str(section_id),
                    "librarySectionTitle": library.sections[section_id],
                    "mixedParents": "1",
                },
            )

        return answer

    def children(request):
        rating_key, what = request.path.split("/")[3:5]
        if what == "allLeaves":
            listing = library.children_xml(rating_key)
            if listing is None:
                return None
            keys = library.children.get(f"{rating_key}/allLeaves", [])
            listing.items = [ET.tostring(library.items[k], encoding="unicode") for k in keys]
            return listing
        return library.children_xml(rating_key)

    pms.route("/library/sections", sections_xml)
    for section_id in library.sections:
        pms.route(f"/library/sections/{section_id}/recentlyAdded", recently_added(section_id))
    pms.route_pattern(r"/library/metadata/(\d+)/(children|allLeaves)", children)
    pms.metadata_sources.append(library.metadata_xml)
    if ("GET", f"/library/sections/{PERSONAL_SECTION}/all") not in pms.routes:
        home = library.lists[PERSONAL_SECTION]

        def personal_all(request):
            items = home if request.query.get("type", "1") == "1" else []
            return Listing(items, {"librarySectionID": str(PERSONAL_SECTION)})

        pms.route(f"/library/sections/{PERSONAL_SECTION}/all", personal_all)
    return library
