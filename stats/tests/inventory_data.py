"""A small inventory with plays, for the media info table and the REST inventory tests.

Server "Home": a TV library (section 2) with "The Show" (1; sort title "Show") with seasons
10 (episodes 11, 12) and 20 (episodes 21, 22), "Another Show" (2; season 30, episode 31,
never watched), and a movie library (section 1) with "Big Movie" (50, 8 GB, mkv, 4k),
"Alien" (51, 2 GB, 1080, watched long ago) and "Zed" (52, size unknown, never watched); a
removed movie (53). Users Alice (friendly name) and bob (username only).
"""

import datetime as dt

from model_bakery import baker

from conftest import bake_play
from libraries.models import Library, LibraryMedia
from libraries.rollups import roll_up_sizes
from servers.models import Server
from users.models import User

T0 = dt.datetime(2026, 11, 1, 20, 0, tzinfo=dt.UTC)
GB = 1024**3
REFRESHED = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


def build_inventory():
    """Create the data; returns a dict of the objects (server, libraries, users, plays)."""
    server = baker.make(Server, name="Home", machine_identifier="abc123")
    movies = Library.objects.create(
        server=server,
        section_id=1,
        section_name="Movies",
        section_type="movie",
        inventory_refreshed_at=REFRESHED,
    )
    tv = Library.objects.create(
        server=server, section_id=2, section_name="TV Shows", section_type="show"
    )
    alice = baker.make(User, user_id=101, username="alice", friendly_name="Alice")
    bob = baker.make(User, user_id=102, username="bob", friendly_name="")
    added = T0 - dt.timedelta(days=400)

    def item(key, media_type, section=2, **fields):
        defaults = {
            "title": f"Item {key}",
            "added_at": added,
            "thumb": f"/library/metadata/{key}/thumb/1",
        }
        return LibraryMedia.objects.create(
            server=server,
            section_id=section,
            rating_key=key,
            media_type=media_type,
            **{**defaults, **fields},
        )

    item(1, "show", title="The Show", sort_title="Show", year=2011, media_index=1)
    for season in (10, 20):
        item(
            season,
            "season",
            title=f"Season {season // 10}",
            parent_rating_key=1,
            media_index=season // 10,
            parent_title="The Show",
        )
        for episode in (season + 1, season + 2):
            item(
                episode,
                "episode",
                title=f"Episode {episode}",
                parent_rating_key=season,
                grandparent_rating_key=1,
                media_index=episode % 10,
                parent_media_index=season // 10,
                parent_title=f"Season {season // 10}",
                grandparent_title="The Show",
                file_size=GB,
            )
    item(2, "show", title="Another Show", year=2020)
    item(30, "season", title="Season 1", parent_rating_key=2, media_index=1)
    item(
        31,
        "episode",
        title="Pilot",
        parent_rating_key=30,
        grandparent_rating_key=2,
        media_index=1,
        parent_media_index=1,
        file_size=GB // 2,
    )
    movie = {
        "section": 1,
        "container": "mkv",
        "video_codec": "hevc",
        "audio_codec": "eac3",
        "audio_channels": 6,
        "bitrate": 20000,
        "video_framerate": "24p",
    }
    item(
        50,
        "movie",
        title="Big Movie",
        year=2019,
        file_size=8 * GB,
        video_resolution="4k",
        added_at=T0 - dt.timedelta(days=10),
        **movie,
    )
    item(
        51,
        "movie",
        title="Alien",
        year=1979,
        file_size=2 * GB,
        video_resolution="1080",
        **{**movie, "container": "mp4", "audio_channels": 2, "bitrate": 8000},
    )
    item(52, "movie", title="Zed", year=2001, video_resolution="sd", **movie)
    item(53, "movie", title="Gone", file_size=GB, removed_at=T0, **movie)
    roll_up_sizes(server.pk)

    def play(user, key, days_ago, seconds=1800, **fields):
        parents = {11: (10, 1), 12: (10, 1), 21: (20, 1), 22: (20, 1), 31: (30, 2)}
        keys = {"rating_key": key, "media_type": "movie", "section_id": 1}
        if key in parents:
            parent, grandparent = parents[key]
            keys.update(
                parent_rating_key=parent,
                grandparent_rating_key=grandparent,
                media_type="episode",
                section_id=2,
            )
        return bake_play(
            server,
            user,
            stopped=T0 - dt.timedelta(days=days_ago),
            seconds=seconds,
            **{**keys, **fields},
        )

    first = play(alice, 11, 30)
    bake_play(
        server,
        alice,
        stopped=T0 - dt.timedelta(days=29),
        seconds=600,
        continues=first,
        rating_key=11,
        parent_rating_key=10,
        grandparent_rating_key=1,
        media_type="episode",
        section_id=2,
    )
    play(bob, 12, 20)
    play(bob, 50, 5, seconds=7000)
    play(alice, 50, 3, seconds=7000)
    play(alice, 51, 200)
    return {"server": server, "movies": movies, "tv": tv, "alice": alice, "bob": bob}
