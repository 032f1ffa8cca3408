"""What a recently-added newsletter lists for one server: the items added to its libraries in a
time window, read from PMS through plexapi (reference section 5, "Content").

:func:`recently_added_between` reads, per library section, PMS's
``/library/sections/<id>/recentlyAdded`` (newest first) in pages of :data:`PAGE_SIZE`
(``X-Plex-Container-Start``/``-Size``) until a page holds an item added before the window's
start, as Tautulli does (it reads pages of 10, "until items fall before the start time").
Then it groups what was added in the window:

* movie libraries: movies; movie libraries whose agent is Plex's personal-media agent
  (:data:`PERSONAL_AGENTS`) are "other_video", as Tautulli's ``retrieve_data``;
* show libraries: show → seasons → episodes. PMS's list holds episodes, seasons (the episodes
  of a season added together, grouped) and whole shows: a season's episodes are read from
  ``/library/metadata/<season>/children``, a show's from ``/library/metadata/<show>/allLeaves``
  (one request per grouped season or new show), and only the episodes added in the window
  are kept;
* music libraries: artist → albums, each album's track count being PMS's ``leafCount``
  (an artist added whole: its albums from ``/library/metadata/<artist>/children``).

The shows' and artists' own details (summary, year, genres, poster...) are read in one batched
request (``/library/metadata/<k1>,<k2>,...``, :data:`BATCH_SIZE` keys a request), never one per
item. Items are built from PMS's list answers (a movie's genres, directors and actors are
those PMS lists there). Times are epoch seconds (UTC); durations milliseconds.
"""

from __future__ import annotations

from itertools import groupby
from urllib.parse import quote

from plexapi.exceptions import NotFound

from plex.client import DEFAULT_TIMEOUT, PlexUnavailable, call_pms
from plex.metadata.details import complete
from plex.pms_fields import raw, tags

PAGE_SIZE = 50  # items per recentlyAdded request
BATCH_SIZE = 100  # rating keys per /library/metadata/<k1>,<k2>,... request
# Plex's personal-media ("none") agents: a movie library with one holds "other videos"
# (Tautulli's retrieve_data).
PERSONAL_AGENTS = ("com.plexapp.agents.none", "tv.plex.agents.none")
SECTION_TYPES = ("movie", "show", "artist")
PLEX_WEB_URL = "https://app.plex.tv/desktop"
_VIDEO_TYPES = ("movie", "clip", "video")


def range_text(numbers) -> str:
    """Tautulli's ``season_range``/``episode_range`` (``format_group_index``, reference
    section 5): the distinct numbers, sorted, zero-padded to 2 digits, consecutive runs joined
    with "-" and runs separated by ", ": ``[5, 1, 2, 3]`` → ``"01-03, 05"``. None values are
    left out; no numbers → ``""`` (Tautulli says ``"00"``)."""
    values = sorted({int(n) for n in numbers if n is not None})
    runs = []
    for _, run in groupby(enumerate(values), key=lambda pair: pair[1] - pair[0]):
        run = [value for _, value in run]
        first, last = run[0], run[-1]
        runs.append(f"{first:02d}" if first == last else f"{first:02d}-{last:02d}")
    return ", ".join(runs)


def web_url(machine_identifier: str, rating_key=None) -> str:
    """The Plex Web (app.plex.tv) link of the server, or of an item on it."""
    url = f"{PLEX_WEB_URL}#!/server/{machine_identifier}"
    if rating_key is None:
        return url
    return f"{url}/details?key={quote(f'/library/metadata/{rating_key}', safe='')}"


def recently_added_between(
    server, section_ids, start: int, end: int, *, timeout: float = DEFAULT_TIMEOUT
) -> dict:
    """The items added to ``server`` (a :class:`servers.models.Server`) in ``[start, end)``
    (epoch seconds, UTC), as the newsletter's content dict::

        {"server": {"id", "name", "machine_identifier", "web_url"}, "start", "end",
         "movie": [Item], "show": [Show], "artist": [Artist], "other_video": [Item],
         "libraries": [{"section_id", "section_name", "section_type"}]}

    Each list is newest first (a show's and an artist's ``added_at`` are those of their newest
    episode/album in the window); a show's seasons and a season's episodes are in number order,
    as Tautulli lists them. Shapes (``Item``, ``Show``, ``Season``, ``Artist``) are the content
    contract of issue 15; see :func:`_item`, :func:`_show`, :func:`_artist`.

    ``section_ids``: the library section ids to read (ints or digit strings); ids the server
    does not have, and photo libraries, are left out. None: every movie, show and music library
    of the server (read from PMS's ``/library/sections``, as the inventory does).
    ``libraries`` lists the sections read. Raises :class:`plex.client.PlexUnavailable` (one
    readable line) when PMS cannot be reached, rejects the token or answers junk;
    ``ValueError`` (before asking PMS anything) for a section id that is not a number or a
    window whose start is after its end.
    """
    start, end = int(start), int(end)
    if start > end:
        raise ValueError(f"The window starts ({start}) after it ends ({end}).")
    wanted = None
    if section_ids is not None:
        if isinstance(section_ids, (str, int)):
            section_ids = [section_ids]
        bad = [s for s in section_ids if not str(s).strip().isdigit()]
        if bad:
            raise ValueError(f"Not a library section id: {bad[0]!r}.")
        wanted = {int(s) for s in section_ids}

    def read(plex) -> dict:
        machine_identifier = server.machine_identifier or plex.machineIdentifier
        content = {
            "server": {
                "id": server.pk,
                "name": server.name,
                "machine_identifier": machine_identifier,
                "web_url": web_url(machine_identifier),
            },
            "start": start,
            "end": end,
            "movie": [],
            "show": [],
            "artist": [],
            "other_video": [],
            "libraries": [],
        }
        reader = _Reader(plex, machine_identifier, start, end)
        for section in _sections(plex):
            if section["section_type"] not in SECTION_TYPES:
                continue
            if wanted is not None and section["section_id"] not in wanted:
                continue
            content["libraries"].append(
                {key: section[key] for key in ("section_id", "section_name", "section_type")}
            )
            reader.read_section(section)
        reader.finish(content)
        for key in ("movie", "show", "artist", "other_video"):
            content[key].sort(key=lambda item: item["added_at"], reverse=True)
        return content

    content = call_pms(server, read, timeout=timeout)
    if content is None:  # HTTP 404 for /library/sections
        raise PlexUnavailable(
            f"HTTP error 404 from {server.url}: it lists no library sections "
            "(is this a Plex Media Server?)."
        )
    return content


def _sections(plex) -> list[dict]:
    """PMS's library sections (``/library/sections``, read now: plexapi's ``library`` is
    cached with the connection) as ``{section_id, section_name, section_type, agent}``."""
    return [
        {
            "section_id": int(elem.get("key")),
            "section_name": elem.get("title") or "",
            "section_type": elem.get("type") or "",
            "agent": elem.get("agent") or "",
        }
        for elem in plex.query("/library/sections")
        if elem.tag == "Directory" and (elem.get("key") or "").isdigit()
    ]


def _added(obj) -> int:
    return _int(raw(obj, "addedAt")) or 0


def _int(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _key(obj, name: str = "ratingKey") -> int | None:
    return _int(raw(obj, name))


class _Reader:
    """Reads the sections of one PMS, then builds the lists (see :func:`recently_added_between`)."""

    def __init__(self, plex, machine_identifier: str, start: int, end: int):
        self.plex = plex
        self.machine_identifier = machine_identifier
        self.start, self.end = start, end
        self.movies: list[dict] = []
        self.other_videos: list[dict] = []
        # show key → {"section", "episodes": {key: obj}}; artist key → {"section", "albums"}
        self.shows: dict[int, dict] = {}
        self.artists: dict[int, dict] = {}

    def in_window(self, obj) -> bool:
        return self.start <= _added(obj) < self.end

    # --- reading ----------------------------------------------------------------------------

    def recent(self, section_id: int) -> list:
        """The section's recentlyAdded entries, newest first, page after page until a page holds
        an entry added before the start (or is the last)."""
        key = f"/library/sections/{section_id}/recentlyAdded"
        entries, offset = [], 0
        while True:
            try:
                page = self.plex.fetchItems(
                    key, container_start=offset, container_size=PAGE_SIZE, maxresults=PAGE_SIZE
                )
            except NotFound:  # the library was removed meanwhile
                return entries
            page = [complete(item) for item in page]
            entries.extend(page)
            if len(page) < PAGE_SIZE or any(_added(item) < self.start for item in page):
                return entries
            offset += PAGE_SIZE

    def children(self, key: str) -> list:
        try:
            return [complete(item) for item in self.plex.fetchItems(key)]
        except NotFound:  # removed meanwhile
            return []

    def details(self, rating_keys) -> dict[int, object]:
        """Items by rating key, read in batches (``/library/metadata/<k1>,<k2>,...``)."""
        keys = sorted(set(rating_keys))
        found = {}
        for first in range(0, len(keys), BATCH_SIZE):
            batch = keys[first : first + BATCH_SIZE]
            try:
                items = self.plex.fetchItems(batch)
            except NotFound:
                continue
            for item in items:
                found[_key(item)] = complete(item)
        return found

    def read_section(self, section: dict) -> None:
        entries = [e for e in self.recent(section["section_id"]) if self.in_window(e)]
        kind = section["section_type"]
        if kind == "movie":
            target = self.other_videos if section["agent"] in PERSONAL_AGENTS else self.movies
            for entry in entries:
                if getattr(entry, "type", None) in _VIDEO_TYPES:
                    target.append(self._item(entry, section))
        elif kind == "show":
            self._read_shows(entries, section)
        elif kind == "artist":
            self._read_artists(entries, section)

    def _read_shows(self, entries, section) -> None:
        for entry in entries:
            kind = getattr(entry, "type", None)
            if kind == "episode":
                episodes = [entry]
                show_key = _key(entry, "grandparentRatingKey")
            elif kind == "season":
                episodes = self.children(f"/library/metadata/{_key(entry)}/children")
                show_key = _key(entry, "parentRatingKey")
            elif kind == "show":
                episodes = self.children(f"/library/metadata/{_key(entry)}/allLeaves")
                show_key = _key(entry)
            else:
                continue
            show = self.shows.setdefault(show_key, {"section": section, "episodes": {}})
            for episode in episodes:
                if getattr(episode, "type", None) == "episode" and self.in_window(episode):
                    show["episodes"][_key(episode)] = episode

    def _read_artists(self, entries, section) -> None:
        for entry in entries:
            kind = getattr(entry, "type", None)
            if kind == "album":
                albums, artist_key = [entry], _key(entry, "parentRatingKey")
            elif kind == "artist":
                albums = self.children(f"/library/metadata/{_key(entry)}/children")
                artist_key = _key(entry)
            elif kind == "track":  # an album gaining tracks: the album, read with the details
                albums, artist_key = [], _key(entry, "grandparentRatingKey")
                artist = self.artists.setdefault(
                    artist_key, {"section": section, "albums": {}, "tracks": {}}
                )
                album_key = _key(entry, "parentRatingKey")
                artist["tracks"][album_key] = max(artist["tracks"].get(album_key, 0), _added(entry))
                continue
            else:
                continue
            artist = self.artists.setdefault(
                artist_key, {"section": section, "albums": {}, "tracks": {}}
            )
            for album in albums:
                if getattr(album, "type", None) == "album" and self.in_window(album):
                    artist["albums"][_key(album)] = album

    # --- building ---------------------------------------------------------------------------

    def finish(self, content: dict) -> None:
        """Fill ``content``'s lists, reading the shows', artists' (and albums known only by a
        new track) details in batches."""
        album_keys = {
            key
            for artist in self.artists.values()
            for key in artist["tracks"]
            if key not in artist["albums"]
        }
        album_keys |= {
            key
            for artist in self.artists.values()
            for key, album in artist["albums"].items()
            if not raw(album, "leafCount")
        }
        keys = [key for key in (*self.shows, *self.artists, *album_keys) if key is not None]
        details = self.details(keys)
        content["movie"] = self.movies
        content["other_video"] = self.other_videos
        for show_key, show in self.shows.items():
            if show["episodes"]:
                content["show"].append(self._show(show_key, show, details.get(show_key)))
        for artist_key, artist in self.artists.items():
            for album_key, added in artist["tracks"].items():
                album = details.get(album_key)
                if album_key not in artist["albums"] and album is not None:
                    artist["albums"][album_key] = (album, added)
            if artist["albums"]:
                content["artist"].append(
                    self._artist(artist_key, artist, details.get(artist_key), details)
                )

    def _item(self, obj, section: dict, *, duration: bool = True, added_at=None) -> dict:
        """An ``Item``: ``{rating_key, title, year, added_at, summary, tagline, thumb, art,
        duration (ms, or None), content_rating, genres, directors, actors, rating,
        audience_rating, section_id, library_name, web_url}`` (no ``duration`` for shows and
        artists)."""
        rating_key = _key(obj)
        item = {
            "rating_key": rating_key,
            "title": getattr(obj, "title", None) or raw(obj, "title"),
            "year": _int(raw(obj, "year")),
            "added_at": _added(obj) if added_at is None else added_at,
            "summary": raw(obj, "summary"),
            "tagline": raw(obj, "tagline"),
            "thumb": raw(obj, "thumb"),
            "art": raw(obj, "art"),
            "duration": _int(raw(obj, "duration")),
            "content_rating": raw(obj, "contentRating"),
            "genres": tags(obj, "genres"),
            "directors": tags(obj, "directors"),
            "actors": tags(obj, "roles"),
            "rating": _float(raw(obj, "rating")),
            "audience_rating": _float(raw(obj, "audienceRating")),
            "section_id": section["section_id"],
            "library_name": section["section_name"],
            "web_url": web_url(self.machine_identifier, rating_key),
        }
        if not duration:
            del item["duration"]
        return item

    def _parent_item(self, child, section, rating_key: int, *, added_at, title, thumb, art):
        """The Item of a show or artist PMS no longer details, from what one of its children
        says of it (``title``, ``thumb``, ``art``): nothing else is known."""
        item = self._item(child, section, duration=False, added_at=added_at)
        item.update(
            rating_key=rating_key,
            title=title,
            year=None,
            summary="",
            tagline="",
            thumb=thumb,
            art=art,
            content_rating="",
            genres=[],
            directors=[],
            actors=[],
            rating=None,
            audience_rating=None,
            web_url=web_url(self.machine_identifier, rating_key),
        )
        return item

    def _show(self, show_key: int, show: dict, detail) -> dict:
        """A ``Show``: Item fields (the show's details; what its episodes say of it when PMS no
        longer has it) + ``{season_count, episode_count, season_range, seasons}``, each season
        ``{rating_key, media_index, title, thumb, added_at, episode_count, episode_range,
        episodes: [{rating_key, media_index, title, added_at, thumb, duration, summary}]}``."""
        episodes = list(show["episodes"].values())
        newest = max(_added(e) for e in episodes)
        if detail is not None:
            item = self._item(detail, show["section"], duration=False, added_at=newest)
        else:
            first = episodes[0]
            item = self._parent_item(
                first,
                show["section"],
                show_key,
                added_at=newest,
                title=raw(first, "grandparentTitle"),
                thumb=raw(first, "grandparentThumb"),
                art=raw(first, "grandparentArt"),
            )
        by_season: dict[int | None, list] = {}
        for episode in episodes:
            by_season.setdefault(_key(episode, "parentRatingKey"), []).append(episode)
        seasons = []
        for season_key, season_episodes in by_season.items():
            season_episodes.sort(key=lambda e: (_int(raw(e, "index")) or 0, _added(e)))
            first = season_episodes[0]
            seasons.append(
                {
                    "rating_key": season_key,
                    "media_index": _int(raw(first, "parentIndex")),
                    "title": raw(first, "parentTitle"),
                    "thumb": raw(first, "parentThumb"),
                    "added_at": max(_added(e) for e in season_episodes),
                    "episode_count": len(season_episodes),
                    "episode_range": range_text(_int(raw(e, "index")) for e in season_episodes),
                    "episodes": [
                        {
                            "rating_key": _key(e),
                            "media_index": _int(raw(e, "index")),
                            "title": getattr(e, "title", None) or raw(e, "title"),
                            "added_at": _added(e),
                            "thumb": raw(e, "thumb"),
                            "duration": _int(raw(e, "duration")),
                            "summary": raw(e, "summary"),
                        }
                        for e in season_episodes
                    ],
                }
            )
        seasons.sort(key=lambda s: (s["media_index"] is None, s["media_index"] or 0))
        item.update(
            season_count=len(seasons),
            episode_count=len(episodes),
            season_range=range_text(s["media_index"] for s in seasons),
            seasons=seasons,
        )
        return item

    def _artist(self, artist_key: int, artist: dict, detail, details: dict) -> dict:
        """An ``Artist``: Item fields + ``{album_count, track_count, albums}``, each album
        ``{rating_key, title, year, thumb, added_at, track_count}`` (newest first)."""
        albums = []
        for album_key, value in artist["albums"].items():
            album, added = value if isinstance(value, tuple) else (value, _added(value))
            count = raw(album, "leafCount") or raw(details.get(album_key), "leafCount")
            albums.append(
                {
                    "rating_key": album_key,
                    "title": getattr(album, "title", None) or raw(album, "title"),
                    "year": _int(raw(album, "year")),
                    "thumb": raw(album, "thumb"),
                    "added_at": added,
                    "track_count": _int(count) or 0,
                }
            )
        albums.sort(key=lambda a: a["added_at"], reverse=True)
        newest = albums[0]["added_at"]
        if detail is not None:
            item = self._item(detail, artist["section"], duration=False, added_at=newest)
        else:
            first = next(iter(artist["albums"].values()))
            first = first[0] if isinstance(first, tuple) else first
            item = self._parent_item(
                first,
                artist["section"],
                artist_key,
                added_at=newest,
                title=raw(first, "parentTitle"),
                thumb=raw(first, "parentThumb"),
                art=raw(first, "parentArt") or raw(first, "art"),
            )
        item.update(
            album_count=len(albums),
            track_count=sum(a["track_count"] for a in albums),
            albums=albums,
        )
        return item
