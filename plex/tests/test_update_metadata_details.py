"""/api/v2 update_metadata_details (reference 1.2): the history of an item and its whole tree
re-keyed to the keys PMS has now, as Tautulli's update_metadata (plex.metadata_rekey over
history.rekey).

The new trees come from the fake PMS answering recorded PMS documents through real plexapi
(plex.testing.media_routes: show 22 "The 100" with seasons 89 and 33 and episodes 90-92 of
season 89; artist 156 "Skrillex" with album 157 "Try It Out" and tracks 158-160); nothing in
plexapi is patched.
"""

import socket

import pytest
from model_bakery import baker

from history import rekey
from history.models import History, HistoryMediaInfo, HistoryMetadata
from history.tests.test_get_history import D0, HOUR, history, library, make_row  # noqa: F401
from libraries.models import RatingKeyChange
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_library
from servers.models import Server
from stats.models import MediaWatchStats
from users.models import User

pytestmark = pytest.mark.django_db
TOKEN = "rekey-token"


def envelope(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    return status, body["response"]


def closed_port_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        add_library(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server, name="Fake", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def user(db):
    return User.objects.create(user_id=101, username="alice")


def logged(server, user, row_id, **item):
    """A history row of an episode or track (``item``: keys, titles and indexes)."""
    media_type = item.get("media_type", "episode")
    row = make_row(
        server,
        user,
        row_id,
        started=D0 + row_id * HOUR,
        minutes=20,
        media_type=media_type,
        rating_key=item["rating_key"],
        parent_rating_key=item["parent_rating_key"],
        grandparent_rating_key=item["grandparent_rating_key"],
        title=item["title"],
        full_title=f"{item['grandparent_title']} - {item['title']}",
        section_id=2 if media_type == "episode" else 3,
    )
    HistoryMetadata.objects.filter(pk=row.pk).update(
        parent_title=item["parent_title"],
        grandparent_title=item["grandparent_title"],
        media_index=item.get("media_index"),
        parent_media_index=item.get("parent_media_index"),
    )
    HistoryMediaInfo.objects.filter(pk=row.pk).update(rating_key=item["rating_key"])
    return row


def episode(server, user, row_id, rating_key, season_key, season, number, title):
    return logged(
        server,
        user,
        row_id,
        rating_key=rating_key,
        parent_rating_key=season_key,
        grandparent_rating_key=2022,
        title=title,
        parent_title=f"Season {season}",
        grandparent_title="The Hundred",
        media_index=number,
        parent_media_index=season,
    )


@pytest.fixture
def old_show(server, user):
    """ "The Hundred" (2022) as logged before PMS re-added it as "The 100" (22): season 1 (2089)
    with episodes 1, 2 and 7 (2090, 2091, 2097; PMS has no episode 7 now), season 2 (2033)
    with episode 1 (2034; PMS lists no episodes of season 2), and another show's episode."""
    episode(server, user, 1, 2090, 2089, 1, 1, "Pilot (old)")
    episode(server, user, 2, 2091, 2089, 1, 2, "Earth Skills")
    episode(server, user, 3, 2097, 2089, 1, 7, "Gone")
    episode(server, user, 4, 2034, 2033, 2, 1, "The 48")
    logged(
        server,
        user,
        5,
        rating_key=3001,
        parent_rating_key=3000,
        grandparent_rating_key=300,
        title="Other",
        parent_title="Season 1",
        grandparent_title="Other Show",
        media_index=1,
        parent_media_index=1,
    )
    return server


def keys(row_id):
    row = History.objects.get(pk=row_id)
    return row.rating_key, row.parent_rating_key, row.grandparent_rating_key


def titles(row_id):
    meta = HistoryMetadata.objects.get(pk=row_id)
    return meta.title, meta.parent_title, meta.grandparent_title, meta.full_title


def changes():
    return {
        (c.old_rating_key, c.new_rating_key, c.media_type) for c in RatingKeyChange.objects.all()
    }


SHOW_CHANGES = {
    (2022, 22, "show"),
    (2089, 89, "season"),
    (2033, 33, "season"),
    (2090, 90, "episode"),
    (2091, 91, "episode"),
}


# --- TV: the whole show, matched by index -------------------------------------------------------


@pytest.mark.parametrize(
    "old_key, new_key, media_type",
    [(2022, 22, "show"), (2089, 89, "season"), (2091, 91, "episode")],
)
def test_the_whole_show_is_rekeyed_by_season_and_episode_number(
    call_api, old_show, old_key, new_key, media_type
):
    status, response = envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=old_key,
        new_rating_key=new_key,
        media_type=media_type,
    )
    assert status == 200 and response["message"] == "Updated metadata in database."
    # Matched episodes take every new key and their titles on PMS.
    assert keys(1) == (90, 89, 22)
    assert titles(1) == ("Pilot", "Season 1", "The 100", "The 100 - Pilot")
    assert keys(2) == (91, 89, 22)
    assert HistoryMetadata.objects.get(pk=1).rating_key == 90
    assert HistoryMediaInfo.objects.get(pk=1).rating_key == 90
    assert HistoryMetadata.objects.get(pk=1).parent_rating_key == 89
    # Episode 7 is not on PMS: it keeps its key, under the new season and show.
    assert keys(3) == (2097, 89, 22)
    assert titles(3) == ("Gone", "Season 1", "The 100", "The 100 - Gone")
    assert HistoryMediaInfo.objects.get(pk=3).rating_key == 2097
    # Season 2 is matched by its number; PMS lists no episode of it.
    assert keys(4) == (2034, 33, 22)
    assert titles(4)[1:3] == ("Season 2", "The 100")
    # Another show is left alone.
    assert keys(5) == (3001, 3000, 300)
    assert titles(5) == ("Other", "Season 1", "Other Show", "Other Show - Other")
    assert changes() == SHOW_CHANGES
    assert not History.objects.filter(grandparent_rating_key=2022).exists()


def test_statistics_follow_the_new_keys(call_api, old_show):
    assert MediaWatchStats.objects.filter(rating_key=2090, level="i").exists()
    assert MediaWatchStats.objects.filter(rating_key=2022, level="g").exists()
    envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=2022,
        new_rating_key=22,
        media_type="show",
    )
    show = MediaWatchStats.objects.get(rating_key=22, level="g")
    assert show.plays == 4
    assert MediaWatchStats.objects.get(rating_key=89, level="p").plays == 3
    assert MediaWatchStats.objects.get(rating_key=33, level="p").plays == 1
    assert MediaWatchStats.objects.get(rating_key=90, level="i").plays == 1
    assert MediaWatchStats.objects.get(rating_key=2097, level="i").plays == 1
    assert not MediaWatchStats.objects.filter(rating_key__in=[2022, 2089, 2033, 2090]).exists()
    assert MediaWatchStats.objects.get(rating_key=300, level="g").plays == 1


def test_history_lists_the_show_under_its_new_key(call_api, old_show):
    envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=2022,
        new_rating_key=22,
        media_type="show",
    )
    rows = history(call_api, grandparent_rating_key=22)["data"]
    assert {row["rating_key"] for row in rows} == {90, 91, 2097, 2034}
    assert {row["full_title"] for row in rows} >= {"The 100 - Pilot", "The 100 - Gone"}


# --- music: matched by title ---------------------------------------------------------------------


def track(server, user, row_id, rating_key, album_key, album, number, title):
    return logged(
        server,
        user,
        row_id,
        media_type="track",
        rating_key=rating_key,
        parent_rating_key=album_key,
        grandparent_rating_key=4,
        title=title,
        parent_title=album,
        grandparent_title="SKRILLEX",
        media_index=number,
        parent_media_index=1,
    )


@pytest.mark.parametrize("old_key, new_key, media_type", [(4, 156, "artist"), (40, 157, "album")])
def test_artist_and_albums_are_matched_by_title(
    call_api, server, user, old_key, new_key, media_type
):
    track(server, user, 1, 400, 40, "TRY IT OUT", 1, "Try It Out (old mix)")
    track(server, user, 2, 401, 40, "TRY IT OUT", 2, "Try Harder")
    track(server, user, 3, 410, 41, "Bangarang", 1, "Bangarang")  # not on PMS any more
    status, response = envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=old_key,
        new_rating_key=new_key,
        media_type=media_type,
    )
    assert status == 200 and response["message"] == "Updated metadata in database."
    assert keys(1) == (158, 157, 156)
    assert titles(1) == (
        "Try It Out (Neon mix)",
        "Try It Out",
        "Skrillex",
        "Try It Out (Neon mix) - Skrillex",
    )
    assert keys(2) == (159, 157, 156)
    assert HistoryMediaInfo.objects.get(pk=2).rating_key == 159
    # The album PMS no longer has keeps its key (and its tracks theirs), under the new artist.
    assert keys(3) == (410, 41, 156)
    assert titles(3) == ("Bangarang", "Bangarang", "Skrillex", "Bangarang - Skrillex")
    assert changes() == {
        (4, 156, "artist"),
        (40, 157, "album"),
        (400, 158, "track"),
        (401, 159, "track"),
    }


# --- movies, errors ------------------------------------------------------------------------------


def test_a_movie_is_rekeyed_without_asking_pms(call_api, library):  # noqa: F811
    assert MediaWatchStats.objects.filter(rating_key=300).exists()
    status, response = envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=300,
        new_rating_key=3000,
        media_type="movie",
    )
    assert status == 200 and response["message"] == "Updated metadata in database."
    assert not History.objects.filter(rating_key=300).exists()
    assert History.objects.filter(rating_key=3000).count() == 2
    assert HistoryMetadata.objects.filter(rating_key=3000, title="Movie B").count() == 2
    change = RatingKeyChange.objects.get()
    assert (change.old_rating_key, change.new_rating_key, change.media_type) == (300, 3000, "movie")
    stats = MediaWatchStats.objects.get(rating_key=3000)
    assert stats.plays == 1
    assert not MediaWatchStats.objects.filter(rating_key=300).exists()
    assert [row["rating_key"] for row in history(call_api, rating_key=3000)["data"]] == [3000]


def test_without_rows_nothing_changes_and_pms_is_not_asked(call_api, server, pms):
    for media_type in ("movie", "show", "episode"):
        status, response = envelope(
            call_api,
            "update_metadata_details",
            old_rating_key=9,
            new_rating_key=22,
            media_type=media_type,
        )
        assert status == 200
        assert response["message"] == (
            "Unable to update metadata in database. No changes were made."
        )
    assert not RatingKeyChange.objects.exists()
    assert not [r for r in pms.requests if r.path.startswith("/library")]


def snapshot():
    return (
        sorted(History.objects.values_list("pk", "rating_key", "parent_rating_key")),
        sorted(HistoryMetadata.objects.values_list("pk", "rating_key", "title", "full_title")),
        sorted(HistoryMediaInfo.objects.values_list("pk", "rating_key")),
        RatingKeyChange.objects.count(),
    )


def test_pms_down_is_an_error_and_nothing_changes(call_api, old_show):
    Server.objects.filter(pk=old_show.pk).update(url=closed_port_url())
    before = snapshot()
    status, response = envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=2022,
        new_rating_key=22,
        media_type="show",
    )
    assert status == 400 and response["result"] == "error"
    assert "Fake is unavailable" in response["message"]
    assert "No changes were made." in response["message"]
    assert TOKEN not in response["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "new_key, media_type, words",
    [
        (99999, "show", "has no item with rating key 99999"),
        (89, "show", "is a season on the Plex server, not a show"),
    ],
)
def test_a_new_key_pms_does_not_know_is_an_error(call_api, old_show, new_key, media_type, words):
    before = snapshot()
    status, response = envelope(
        call_api,
        "update_metadata_details",
        old_rating_key=2022,
        new_rating_key=new_key,
        media_type=media_type,
    )
    assert status == 400 and response["result"] == "error"
    assert words in response["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "params",
    [
        {"old_rating_key": 300, "media_type": "movie"},
        {"old_rating_key": 300, "new_rating_key": 301, "media_type": "clip"},
        {"old_rating_key": "x", "new_rating_key": 301, "media_type": "movie"},
        {"old_rating_key": 300, "new_rating_key": 2**40, "media_type": "movie"},
        {"old_rating_key": 300, "new_rating_key": 300, "media_type": "movie"},
    ],
)
def test_bad_input_is_refused(call_api, library, params):  # noqa: F811
    status, response = envelope(call_api, "update_metadata_details", **params)
    assert status == 400 and response["result"] == "error"
    assert History.objects.filter(rating_key=300).count() == 2
    assert not RatingKeyChange.objects.exists()


def test_the_logged_tree_is_read_in_two_queries(old_show, django_assert_num_queries):
    with django_assert_num_queries(2):
        tree = rekey.old_tree(old_show, 2091, "episode")
    show = tree[0]
    assert show.rating_key == 2022
    assert {index: season.rating_key for index, season in show.children.items()} == {
        1: 2089,
        2: 2033,
    }
    assert {index: node.rating_key for index, node in show.children[1].children.items()} == {
        1: 2090,
        2: 2091,
        7: 2097,
    }
    assert rekey.old_tree(old_show, 2022, "season") == {}  # not a season's key
