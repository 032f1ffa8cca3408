"""A generated library of any size on a :class:`~plex.testing.FakePlexServer`: movies, shows with
seasons and episodes, artists with albums and tracks, for the inventory's benchmark
(``bench/bench_inventory.py``) and its paging tests::

    with FakePlexServer() as pms:
        library = add_generated_library(pms, 100_000)
        library.touch(library.rating_keys[0], updated_at=1_800_000_000)

Each item is a recorded PMS element (``shared/fixtures``: "Interstate 60", "The 100" and its
season 1 and "Pilot", "Skrillex" with "Try It Out" and its first track) with its identity
changed: rating key, key, guid, titles, hierarchy, indexes, dates, media and part ids, file and
size; movies and shows carry ``<Guid>`` tags (``imdb://``, ``tmdb://``, ``tvdb://``) as PMS's new
agents list them with ``includeGuids=1``, and ``<Genre>``/``<Label>``/``<Collection>`` tags as
PMS lists them (``<Genre tag="Comedy" />``; see :func:`generated_tags`; the recorded ones are
replaced; :meth:`GeneratedLibrary.set_tags` changes them). Items are rendered once into XML text; the sections
(``library_sections.xml``: 1 Movies, 2 TV Shows, 3 Music) answer ``/library/sections/<id>/all?type=N``
with a :class:`~plex.testing.fake_pms.Listing`, which the fake pages by slicing, so answering a
page costs what a real PMS's does: little.

Each item also answers ``GET /library/metadata/<ratingKey>`` (its listing element in a
``MediaContainer``) and ``DELETE /library/metadata/<ratingKey>`` (PMS deleting its media: it and
its children leave the listings), through the fake's ``metadata_sources`` and ``deleters``.

Proportions (per 100,000 items; :func:`library_counts`): 600 shows of 4 seasons of 20 episodes
(51,000), 500 artists of 5 albums of 14 tracks (38,000), the rest movies (11,000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

from plex.testing.fake_pms import Listing
from plex.testing.media_routes import (
    ALBUMS_OF_156,
    ARTISTS,
    EPISODES_OF_89,
    MOVIES,
    SEASONS_OF_22,
    SHOWS,
    TRACKS_OF_157,
    json_fixture_xml,
)

FIRST_RATING_KEY = 1000
ADDED_AT = 1_600_000_000  # epoch seconds of the first item's addedAt; one a minute after
SEASONS_PER_SHOW, EPISODES_PER_SEASON = 4, 20
ALBUMS_PER_ARTIST, TRACKS_PER_ALBUM = 5, 14
MOVIE_SECTION, SHOW_SECTION, MUSIC_SECTION = 1, 2, 3
TYPE_NUMBERS = {
    "movie": "1",
    "show": "2",
    "season": "3",
    "episode": "4",
    "artist": "8",
    "album": "9",
    "track": "10",
}
# (fixture, rating key of the recorded element) each generated type is made from.
TEMPLATES = {
    "movie": (MOVIES, "108"),
    "show": (SHOWS, "22"),
    "season": (SEASONS_OF_22, "89"),
    "episode": (EPISODES_OF_89, "90"),
    "artist": (ARTISTS, "156"),
    "album": (ALBUMS_OF_156, "157"),
    "track": (TRACKS_OF_157, "158"),
}
# The attributes of the item element each type's template replaces.
ITEM_ATTRIBUTES = {
    "movie": ("title", "year"),
    "show": ("title", "titleSort", "year"),
    "season": ("title", "index", "parentIndex", "parentRatingKey", "parentKey", "parentTitle"),
    "episode": (
        "title",
        "index",
        "parentIndex",
        "parentRatingKey",
        "parentKey",
        "parentTitle",
        "grandparentRatingKey",
        "grandparentKey",
        "grandparentTitle",
    ),
    "artist": ("title",),
    "album": ("title", "index", "parentRatingKey", "parentKey", "parentTitle"),
    "track": (
        "title",
        "index",
        "parentIndex",
        "parentRatingKey",
        "parentKey",
        "parentTitle",
        "grandparentRatingKey",
        "grandparentKey",
        "grandparentTitle",
    ),
}
COMMON_ATTRIBUTES = ("ratingKey", "key", "guid", "thumb", "addedAt", "updatedAt")
GUID_TAGS = {"movie": ("imdb", "tmdb"), "show": ("tvdb",)}
_UPDATED_AT = re.compile(r'updatedAt="\d+"')
TAG_ELEMENTS = ("Genre", "Label", "Collection")
_TAG = re.compile(r'<(?:Genre|Label|Collection) tag="[^"]*" />')
_CLOSING = re.compile(r"</\w+>$")
GENRES = ("Action", "Comedy", "Drama", "Horror", "Documentary")


def generated_tags(media_type: str, number: int) -> dict[str, list[str]]:
    """The tags of the ``number``-th (1-based) generated item of ``media_type``: movies one or
    two genres of :data:`GENRES`, every third the label "Keep", every fifth the collection
    "Classics"; shows the genre "Drama" and every second the label "Kids"; artists the genre
    "Electronic"; seasons, episodes, albums and tracks none (as PMS lists them)."""
    if media_type == "movie":
        genres = [GENRES[number % len(GENRES)]]
        if number % 2:
            genres.append(GENRES[(number + 1) % len(GENRES)])
        return {
            "Genre": genres,
            "Label": ["Keep"] if number % 3 == 0 else [],
            "Collection": ["Classics"] if number % 5 == 0 else [],
        }
    if media_type == "show":
        return {"Genre": ["Drama"], "Label": ["Kids"] if number % 2 == 0 else []}
    if media_type == "artist":
        return {"Genre": ["Electronic"]}
    return {}


def tags_xml(tags: dict[str, list[str]]) -> str:
    """``<Genre tag="A" /><Label tag="B" />...`` as PMS lists an item's tags (escaped)."""
    return "".join(
        f"<{element} tag={quoteattr(tag)} />"
        for element in TAG_ELEMENTS
        for tag in tags.get(element, ())
    )


def library_counts(items: int) -> dict[str, int]:
    """How many items of each type a generated library of about ``items`` items holds (see the
    module doc; at least one show and one artist and one movie: exactly ``items`` from 1,000
    items, and for some smaller sizes such as 200 or 400)."""
    scale = items / 100_000
    shows = max(1, round(600 * scale))
    artists = max(1, round(500 * scale))
    seasons = shows * SEASONS_PER_SHOW
    albums = artists * ALBUMS_PER_ARTIST
    counts = {
        "show": shows,
        "season": seasons,
        "episode": seasons * EPISODES_PER_SEASON,
        "artist": artists,
        "album": albums,
        "track": albums * TRACKS_PER_ALBUM,
    }
    return {"movie": max(1, items - sum(counts.values())), **counts}


def _template(pms, media_type: str) -> str:
    """The recorded element of ``media_type`` as a ``str.format`` template whose fields are the
    replaced attributes (item, ``Media id``, ``Part id key file size``) and ``guids``."""
    relative, rating_key = TEMPLATES[media_type]
    elem = next(
        e
        for e in ET.fromstring(json_fixture_xml(pms, relative))
        if e.get("ratingKey") == rating_key
    )
    for name in (*COMMON_ATTRIBUTES, *ITEM_ATTRIBUTES[media_type]):
        elem.set(name, f"@{name}@")
    for media in elem.findall("Media"):
        media.set("id", "@media_id@")
        for part in media.findall("Part"):
            for name in ("id", "key", "file", "size"):
                part.set(name, f"@part_{name}@")
    for old in [e for e in elem if e.tag == "Guid" or e.tag in TAG_ELEMENTS]:
        elem.remove(old)
    if media_type in GUID_TAGS:
        elem.append(ET.Element("GuidTags"))
    elem.append(ET.Element("ItemTags"))  # also: the element always has a closing tag
    text = ET.tostring(elem, encoding="unicode").replace("{", "{{").replace("}", "}}")
    text = text.replace("<GuidTags />", "{guids}").replace("<ItemTags />", "{tags}")
    return re.sub(r"@(\w+)@", r"{\1}", text)


@dataclass
class GeneratedLibrary:
    """The items served by :func:`add_generated_library`: ``listings[(section_id, type
    number)]`` the rendered items of each section search, ``rating_keys`` every rating key in
    order (parents before their children), ``counts`` how many of each type."""

    listings: dict[tuple[int, str], Listing] = field(default_factory=dict)
    rating_keys: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    _where: dict[int, tuple[tuple[int, str], int]] = field(default_factory=dict)
    _children: dict[int, list[int]] = field(default_factory=dict)

    def _add(
        self,
        section_id: int,
        media_type: str,
        rating_key: int,
        text: str,
        parent: int | None = None,
    ) -> None:
        listing = self.listings.setdefault((section_id, TYPE_NUMBERS[media_type]), Listing([]))
        self._where[rating_key] = ((section_id, TYPE_NUMBERS[media_type]), len(listing.items))
        listing.items.append(text)
        self.rating_keys.append(rating_key)
        if parent is not None:
            self._children.setdefault(parent, []).append(rating_key)

    def item_xml(self, rating_key: int) -> str | None:
        """The listing element of the item (None when there is none)."""
        where = self._where.get(rating_key)
        return None if where is None else self.listings[where[0]].items[where[1]]

    def metadata_xml(self, rating_key: str) -> str | None:
        """``GET /library/metadata/<rating_key>``: the item's element in a ``MediaContainer``
        (``librarySectionID`` as PMS says it), None when the library does not hold it."""
        key = int(rating_key) if rating_key.isdigit() else None
        text = None if key is None else self.item_xml(key)
        if text is None:
            return None
        section_id = self._where[key][0][0]
        return Listing([text], {"librarySectionID": str(section_id)}).xml()

    def set_tags(self, rating_key: int, tags: dict[str, list[str]], updated_at: int | None = None):
        """Give the item these tags (``{"Genre": [...], "Label": [...], "Collection": [...]}``,
        the others removed) and, when given, ``updatedAt=updated_at`` (PMS bumps it when the
        metadata is edited)."""
        where, index = self._where[rating_key]
        items = self.listings[where].items
        text = _TAG.sub("", items[index])
        closing = _CLOSING.search(text)
        items[index] = text[: closing.start()] + tags_xml(tags) + text[closing.start() :]
        if updated_at is not None:
            self.touch(rating_key, updated_at)

    def delete(self, rating_key: str) -> bool:
        """PMS deleting the item's media (``DELETE /library/metadata/<key>``): it and its
        children leave the listings. False when the library does not hold it."""
        key = int(rating_key) if str(rating_key).isdigit() else None
        if key not in self._where:
            return False
        for child in self._children.pop(key, []):
            self.delete(str(child))
        self.remove(key)
        return True

    def touch(self, rating_key: int, updated_at: int) -> None:
        """Give the item ``updatedAt=updated_at`` (PMS updated its metadata)."""
        where, index = self._where[rating_key]
        items = self.listings[where].items
        items[index] = _UPDATED_AT.sub(f'updatedAt="{updated_at}"', items[index], count=1)

    def remove(self, rating_key: int) -> None:
        """Leave the item out of its section's answers (deleted from PMS)."""
        where, index = self._where.pop(rating_key)
        items = self.listings[where].items
        del items[index]
        for key, (other, position) in self._where.items():
            if other == where and position > index:
                self._where[key] = (other, position - 1)
        self.rating_keys.remove(rating_key)


def add_generated_library(pms, items: int = 100_000) -> GeneratedLibrary:
    """Serve a generated library of about ``items`` items (see :func:`library_counts`) in the
    three sections of ``library_sections.xml``; returns it (to change or remove items)."""
    counts = library_counts(items)
    library = GeneratedLibrary(counts=counts)
    templates = {media_type: _template(pms, media_type) for media_type in TEMPLATES}
    next_key = iter(range(FIRST_RATING_KEY, 10**9))

    def render(media_type: str, rating_key: int, number: int, **values) -> str:
        added = ADDED_AT + 60 * (rating_key - FIRST_RATING_KEY)
        key = f"/library/metadata/{rating_key}"
        guids = "".join(
            f'<Guid id="{scheme}://{"tt" if scheme == "imdb" else ""}{rating_key:07}" />'
            for scheme in GUID_TAGS.get(media_type, ())
        )
        return templates[media_type].format(
            ratingKey=rating_key,
            key=key if media_type in ("movie", "episode", "track") else f"{key}/children",
            guid=f"plex://{media_type}/{rating_key:024x}",
            thumb=f"{key}/thumb/{added + 3600}",
            addedAt=added,
            updatedAt=added + 3600,
            media_id=rating_key,
            part_id=rating_key,
            part_key=f"/library/parts/{rating_key}/{added}/file.mkv",
            part_size=700_000_000 + rating_key,
            guids=guids,
            tags=tags_xml(generated_tags(media_type, number)),
            **values,
        )

    for number in range(1, counts["movie"] + 1):
        rating_key = next(next_key)
        text = render(
            "movie",
            rating_key,
            number,
            title=f"Movie {number}",
            year=1950 + number % 75,
            part_file=f"/data/Movies/Movie {number}/Movie {number}.mkv",
        )
        library._add(MOVIE_SECTION, "movie", rating_key, text)
    shows = counts["show"]
    for number in range(1, shows + 1):
        show_key, show_title = next(next_key), f"Show {number}"
        show = {"grandparentRatingKey": show_key, "grandparentKey": f"/library/metadata/{show_key}"}
        library._add(
            SHOW_SECTION,
            "show",
            show_key,
            render("show", show_key, number, title=show_title, titleSort=show_title, year=2000),
        )
        for season in range(1, SEASONS_PER_SHOW + 1):
            season_key = next(next_key)
            parent = {
                "parentRatingKey": show_key,
                "parentKey": f"/library/metadata/{show_key}",
                "parentTitle": show_title,
            }
            library._add(
                SHOW_SECTION,
                "season",
                season_key,
                render(
                    "season",
                    season_key,
                    season,
                    title=f"Season {season}",
                    index=season,
                    parentIndex=season,
                    **parent,
                ),
                parent=show_key,
            )
            for episode in range(1, EPISODES_PER_SEASON + 1):
                rating_key = next(next_key)
                text = render(
                    "episode",
                    rating_key,
                    episode,
                    title=f"Episode {episode}",
                    index=episode,
                    parentIndex=season,
                    parentRatingKey=season_key,
                    parentKey=f"/library/metadata/{season_key}",
                    parentTitle=f"Season {season}",
                    grandparentTitle=show_title,
                    part_file=f"/data/TV/{show_title}/S{season:02}E{episode:02}.mkv",
                    **show,
                )
                library._add(SHOW_SECTION, "episode", rating_key, text, parent=season_key)
    for number in range(1, counts["artist"] + 1):
        artist_key, artist = next(next_key), f"Artist {number}"
        library._add(
            MUSIC_SECTION, "artist", artist_key, render("artist", artist_key, number, title=artist)
        )
        for album in range(1, ALBUMS_PER_ARTIST + 1):
            album_key = next(next_key)
            library._add(
                MUSIC_SECTION,
                "album",
                album_key,
                render(
                    "album",
                    album_key,
                    album,
                    title=f"Album {album}",
                    index=album,
                    parentRatingKey=artist_key,
                    parentKey=f"/library/metadata/{artist_key}",
                    parentTitle=artist,
                ),
                parent=artist_key,
            )
            for track in range(1, TRACKS_PER_ALBUM + 1):
                rating_key = next(next_key)
                text = render(
                    "track",
                    rating_key,
                    track,
                    title=f"Track {track}",
                    index=track,
                    parentIndex=1,
                    parentRatingKey=album_key,
                    parentKey=f"/library/metadata/{album_key}",
                    parentTitle=f"Album {album}",
                    grandparentRatingKey=artist_key,
                    grandparentKey=f"/library/metadata/{artist_key}",
                    grandparentTitle=artist,
                    part_file=f"/data/Music/{artist}/Album {album}/{track:02}.flac",
                )
                library._add(MUSIC_SECTION, "track", rating_key, text, parent=album_key)

    def answer(section_id: int):
        def build(request):
            type_number = request.query.get("type", "")
            listing = library.listings.get((section_id, type_number)) or Listing([])
            return Listing(listing.items, {"librarySectionID": str(section_id)})

        return build

    for section_id in (MOVIE_SECTION, SHOW_SECTION, MUSIC_SECTION):
        pms.route(f"/library/sections/{section_id}/all", answer(section_id))
    pms.metadata_sources.append(library.metadata_xml)
    pms.deleters.append(library.delete)
    return library
