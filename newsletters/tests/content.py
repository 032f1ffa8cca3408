"""Hand-built content dicts in the shape of :func:`plex.newsletter_content.recently_added_between`
(the content contract), for the rendering tests, the screenshots and the bench."""

from __future__ import annotations

import itertools

MID = "ds48g4r354a8v9byrrtr697g3g79w"

GENRES = ["Drama", "Science Fiction", "Comedy", "Thriller", "Animation", "Documentary"]
LOREM = (
    "A retired cartographer discovers that the maps she drew forty years ago describe a city "
    "that does not exist yet, and sets out with her estranged grandson to find out who has been "
    "building it, street by street, while the rest of the country looks the other way."
)

_keys = itertools.count(1000)


def window():
    """(start, end) epoch seconds of a 7-day newsletter run at the tests' frozen clock
    (2026-11-22 10:30 UTC)."""
    end = 1795343400  # 2026-11-22T10:30:00Z
    return end - 7 * 86400, end


def web_url(mid: str, rating_key: int) -> str:
    return f"https://app.plex.tv/desktop#!/server/{mid}/details?key=%2Flibrary%2Fmetadata%2F{rating_key}"


def movie(
    title="Arrival", *, year=2016, mid=MID, section_id=1, summary=LOREM, genres=None, **extra
):
    key = next(_keys)
    item = {
        "rating_key": key,
        "title": title,
        "year": year,
        "added_at": window()[1] - 3600,
        "summary": summary,
        "tagline": "",
        "thumb": f"/library/metadata/{key}/thumb/1700000000",
        "art": f"/library/metadata/{key}/art/1700000000",
        "duration": 6960000,
        "content_rating": "PG-13",
        "genres": list(genres if genres is not None else GENRES[:3]),
        "directors": ["Denis Villeneuve"],
        "actors": ["Amy Adams", "Jeremy Renner"],
        "rating": 7.9,
        "audience_rating": 8.2,
        "section_id": section_id,
        "library_name": "Movies",
        "web_url": web_url(mid, key),
    }
    item.update(extra)
    return item


def season(index, episodes, episode_range):
    key = next(_keys)
    return {
        "rating_key": key,
        "media_index": index,
        "title": f"Season {index}" if index else "Specials",
        "thumb": f"/library/metadata/{key}/thumb/1700000000",
        "added_at": window()[1] - 7200,
        "episode_count": len(episodes),
        "episode_range": episode_range,
        "episodes": [
            {
                "rating_key": next(_keys),
                "media_index": number,
                "title": f"Episode {number}",
                "added_at": window()[1] - 7200,
                "thumb": "",
                "duration": 2700000,
                "summary": "",
            }
            for number in episodes
        ],
    }


def show(title="Severance", *, mid=MID, seasons=None, **extra):
    key = next(_keys)
    seasons = seasons if seasons is not None else [season(1, [1, 2, 3, 5], "01-03, 05")]
    item = movie(title, year=2022, mid=mid, section_id=2, genres=["Drama", "Mystery"])
    del item["duration"]
    item.update(
        {
            "rating_key": key,
            "thumb": f"/library/metadata/{key}/thumb/1700000000",
            "library_name": "TV Shows",
            "web_url": web_url(mid, key),
            "season_count": len(seasons),
            "episode_count": sum(s["episode_count"] for s in seasons),
            "season_range": ", ".join(f"{s['media_index']:02d}" for s in seasons),
            "seasons": seasons,
        }
    )
    item.update(extra)
    return item


def artist(title="Khruangbin", *, mid=MID, albums=None, **extra):
    key = next(_keys)
    albums = (
        albums
        if albums is not None
        else [
            {
                "rating_key": next(_keys),
                "title": "A La Sala",
                "year": 2024,
                "thumb": "/library/metadata/9/thumb/1",
                "added_at": window()[1] - 100,
                "track_count": 12,
            },
            {
                "rating_key": next(_keys),
                "title": "Mordechai",
                "year": 2020,
                "thumb": "/library/metadata/10/thumb/1",
                "added_at": window()[1] - 200,
                "track_count": 1,
            },
        ]
    )
    item = movie(title, year=None, mid=mid, section_id=3, genres=["Psychedelic Rock"])
    del item["duration"]
    item.update(
        {
            "rating_key": key,
            "thumb": f"/library/metadata/{key}/thumb/1700000000",
            "library_name": "Music",
            "content_rating": "",
            "web_url": web_url(mid, key),
            "album_count": len(albums),
            "track_count": sum(a["track_count"] for a in albums),
            "albums": albums,
        }
    )
    item.update(extra)
    return item


def content(
    server_id,
    name="Winterfell",
    *,
    mid=MID,
    movies=(),
    shows=(),
    artists=(),
    other_video=(),
    libraries=None,
):
    start, end = window()
    return {
        "server": {
            "id": server_id,
            "name": name,
            "machine_identifier": mid,
            "web_url": f"https://app.plex.tv/desktop#!/server/{mid}",
        },
        "start": start,
        "end": end,
        "movie": list(movies),
        "show": list(shows),
        "artist": list(artists),
        "other_video": list(other_video),
        "libraries": libraries
        if libraries is not None
        else [
            {"section_id": 1, "section_name": "Movies", "section_type": "movie"},
            {"section_id": 2, "section_name": "TV Shows", "section_type": "show"},
            {"section_id": 3, "section_name": "Music", "section_type": "artist"},
        ],
    }


def big_content(server_id, count, *, name="Winterfell", mid=MID):
    """A content dict of ``count`` items: 40 % movies, 30 % shows, 20 % artists, 10 % other
    videos, with varied titles and summaries (the screenshots and the bench)."""
    movies_n = count * 4 // 10
    shows_n = count * 3 // 10
    artists_n = count * 2 // 10
    other_n = count - movies_n - shows_n - artists_n
    titles = [
        "Arrival",
        "The Grand Budapest Hotel",
        "Parasite",
        "Spirited Away",
        "Mad Max: Fury Road",
        "A Very Long Title That Should Wrap Nicely On A Narrow Phone Screen",
        "Heat",
        "Amélie",
    ]
    movies = [
        movie(
            f"{titles[i % len(titles)]}{'' if i < len(titles) else f' {i}'}",
            year=1990 + i % 35,
            mid=mid,
            summary=LOREM[: 80 + (i * 37) % len(LOREM)],
            genres=GENRES[i % 4 : i % 4 + 3],
        )
        for i in range(movies_n)
    ]
    shows = [
        show(
            f"Show {i + 1}",
            mid=mid,
            seasons=[season(1, [1, 2, 3, 5], "01-03, 05")]
            + ([season(2, [1], "01")] if i % 2 else []),
        )
        for i in range(shows_n)
    ]
    artists = [artist(f"Artist {i + 1}", mid=mid) for i in range(artists_n)]
    others = [
        movie(f"Home video {i + 1}", mid=mid, genres=[], content_rating="", section_id=4)
        for i in range(other_n)
    ]
    return content(
        server_id,
        name,
        mid=mid,
        movies=movies,
        shows=shows,
        artists=artists,
        other_video=others,
    )
