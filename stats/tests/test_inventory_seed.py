"""Items that history knows and the inventory lacks get inventory rows (stats.inventory_seed):
an imported history shows its items, seasons and shows before PMS is read."""

import datetime as dt

import pytest
from model_bakery import baker

from conftest import bake_play
from history.models import HistoryMediaInfo, HistoryMetadata
from libraries.models import Library, LibraryMedia
from servers.models import Server
from stats.media_stats import rebuild_media_stats
from stats.models import MediaWatchStats
from users.models import User

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)


def episode_play(server, user, days_ago, rating_key=91, **metadata):
    row = bake_play(
        server,
        user,
        stopped=T0 - dt.timedelta(days=days_ago),
        seconds=1200,
        media_type="episode",
        section_id=2,
        rating_key=rating_key,
        parent_rating_key=89,
        grandparent_rating_key=22,
    )
    baker.make(
        HistoryMetadata,
        history=row,
        media_type="episode",
        rating_key=rating_key,
        parent_rating_key=89,
        grandparent_rating_key=22,
        title=f"Episode {rating_key}",
        parent_title="Season 1",
        grandparent_title="The 100",
        media_index=rating_key - 90,
        parent_media_index=1,
        year=2014,
        guid=f"plex://episode/{rating_key}",
        thumb=f"/library/metadata/{rating_key}/thumb/1",
        parent_thumb="/library/metadata/89/thumb/1",
        grandparent_thumb="/library/metadata/22/thumb/1",
        added_at=T0 - dt.timedelta(days=400),
        live=False,
        **metadata,
    )
    baker.make(
        HistoryMediaInfo,
        history=row,
        container="mkv",
        bitrate=4000,
        video_codec="hevc",
        video_resolution="1080",
        audio_codec="eac3",
        audio_channels=6,
    )
    return row


@pytest.fixture
def server():
    return baker.make(Server)


def test_an_imported_history_gets_its_items_seasons_and_shows(server):
    user = baker.make(User, user_id=5)
    episode_play(server, user, 10)
    episode_play(server, user, 5, rating_key=92)
    assert MediaWatchStats.objects.get(rating_key=22).plays == 2  # the read seeds and computes

    rows = {row.rating_key: row for row in LibraryMedia.objects.filter(server=server)}
    assert sorted(rows) == [22, 89, 91, 92]
    episode, season, show = rows[91], rows[89], rows[22]
    assert (episode.media_type, episode.title, episode.media_index) == ("episode", "Episode 91", 1)
    assert (episode.parent_rating_key, episode.grandparent_title) == (89, "The 100")
    assert (episode.video_codec, episode.audio_channels, episode.container) == ("hevc", 6, "mkv")
    assert episode.added_at == T0 - dt.timedelta(days=400)
    assert episode.last_seen_at is None and episode.removed_at is None  # PMS never listed it
    assert (season.media_type, season.title, season.parent_rating_key) == ("season", "Season 1", 22)
    assert (show.media_type, show.title, show.thumb) == (
        "show",
        "The 100",
        "/library/metadata/22/thumb/1",
    )
    assert (show.leaf_count, season.leaf_count) == (2, 2)


def test_an_item_the_last_refresh_did_not_list_is_seeded_as_removed(server):
    user = baker.make(User, user_id=5)
    refreshed = T0 - dt.timedelta(days=2)
    baker.make(Library, server=server, section_id=2, inventory_refreshed_at=refreshed)
    episode_play(server, user, 10)  # played before the refresh, which did not list it: gone
    episode_play(server, user, 1, rating_key=92)  # played since: added after the refresh
    rebuild_media_stats()
    removed = dict(LibraryMedia.objects.values_list("rating_key", "removed_at"))
    assert removed == {91: refreshed, 92: None, 89: None, 22: None}


def test_an_item_the_inventory_has_is_left_as_it_is(server):
    user = baker.make(User, user_id=5)
    LibraryMedia.objects.create(
        server=server, section_id=2, rating_key=91, media_type="episode", title="From PMS"
    )
    episode_play(server, user, 3)
    rebuild_media_stats()
    assert LibraryMedia.objects.get(rating_key=91).title == "From PMS"


def test_a_play_whose_metadata_lacks_its_type_is_seeded_with_the_plays_type(server):
    """An imported row's metadata may have no media_type: the play's own type is used (it used
    to fail the whole statistics sync on PostgreSQL's NOT NULL)."""
    user = baker.make(User, user_id=7)
    row = bake_play(
        server, user, stopped=T0, seconds=600, media_type="movie", section_id=1, rating_key=55
    )
    baker.make(
        HistoryMetadata, history=row, media_type=None, rating_key=55, title="Heat", live=False
    )
    rebuild_media_stats()
    movie = LibraryMedia.objects.get(server=server, rating_key=55)
    assert (movie.media_type, movie.title) == ("movie", "Heat")
