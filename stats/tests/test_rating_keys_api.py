"""get_new_rating_keys / get_old_rating_keys (stats.rating_keys) through /api/v2, against
Tautulli v2.17.2's captures (tautulli-dart/media/get_new_rating_keys.json and
get_old_rating_keys.json): the inventory and the history are filled with the captured trees,
and the answers must be the captures, keys, order and JSON types included."""

import datetime as dt
import json

import pytest
from model_bakery import baker

from conftest import bake_play, load_fixture
from history.models import HistoryMetadata
from libraries.models import Library, LibraryMedia, RatingKeyChange
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db

NEW = "tautulli-dart/media/get_new_rating_keys.json"
OLD = "tautulli-dart/media/get_old_rating_keys.json"
STOPPED = dt.datetime(2026, 11, 1, 20, 0, tzinfo=dt.UTC)


def captured(relative):
    return load_fixture(relative)["response"]["data"]


def ok(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 200, body
    assert body["response"]["result"] == "success" and body["response"]["message"] is None
    return body["response"]["data"]


def error(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 400, body
    assert body["response"]["result"] == "error" and body["response"]["data"] == {}
    return body["response"]["message"]


def ordered(tree):
    """The tree with every object's keys in order (JSON objects compared with their order)."""
    if isinstance(tree, dict):
        return [(key, ordered(value)) for key, value in tree.items()]
    return tree


@pytest.fixture
def server(db):
    return baker.make(Server, name="Fake", url="http://127.0.0.1:9", token="t")


@pytest.fixture
def user(db):
    return baker.make(User, user_id=5, username="alice")


def bake_item(server, rating_key, media_type, **values):
    values.setdefault("section_id", 30)
    return baker.make(
        LibraryMedia, server=server, rating_key=rating_key, media_type=media_type, **values
    )


def bake_inventory(server, tree, *, show_title="Show", section_id=30, removed_at=None):
    """Inventory rows for a Tautulli tree ``{"0": {"rating_key", "children": {...}}}`` (index
    keys)."""
    show = tree["0"]
    bake_item(server, show["rating_key"], "show", title=show_title, section_id=section_id,
              removed_at=removed_at)  # fmt: skip
    for season_index, season in show["children"].items():
        bake_item(
            server,
            season["rating_key"],
            "season",
            title=f"Season {season_index}",
            media_index=int(season_index),
            parent_rating_key=show["rating_key"],
            section_id=section_id,
            removed_at=removed_at,
        )
        for episode_index, episode in season["children"].items():
            bake_item(
                server,
                episode["rating_key"],
                "episode",
                title=f"Episode {episode_index}",
                media_index=int(episode_index),
                parent_media_index=int(season_index),
                parent_rating_key=season["rating_key"],
                grandparent_rating_key=show["rating_key"],
                section_id=section_id,
                removed_at=removed_at,
            )


def bake_history(server, user, tree, *, show_title="Show", plays=1):
    """History rows (with metadata) playing every episode of a Tautulli tree ``plays`` times."""
    show = tree["0"]
    for season_index, season in show["children"].items():
        for episode_index, episode in season["children"].items():
            for _ in range(plays):
                row = bake_play(
                    server,
                    user,
                    stopped=STOPPED,
                    seconds=600,
                    media_type="episode",
                    rating_key=episode["rating_key"],
                    parent_rating_key=season["rating_key"],
                    grandparent_rating_key=show["rating_key"],
                    section_id=30,
                )
                baker.make(
                    HistoryMetadata,
                    history=row,
                    media_type="episode",
                    rating_key=episode["rating_key"],
                    parent_rating_key=season["rating_key"],
                    grandparent_rating_key=show["rating_key"],
                    title=f"Episode {episode_index}",
                    parent_title=f"Season {season_index}",
                    grandparent_title=show_title,
                    media_index=int(episode_index),
                    parent_media_index=int(season_index),
                )


# --- get_new_rating_keys ----------------------------------------------------------------------


def test_new_rating_keys_are_the_capture(call_api, server):
    expected = captured(NEW)
    baker.make(Library, server=server, section_id=30, section_name="Library 2")
    bake_inventory(server, expected)
    # A removed episode, another show and a movie are not part of the tree.
    bake_item(server, 1, "episode", media_index=99, parent_rating_key=165498,
              grandparent_rating_key=165434, removed_at=STOPPED)  # fmt: skip
    bake_item(server, 2, "show", title="Other")
    bake_item(server, 3, "movie", title="A movie")

    for key, media_type in ((165434, "show"), (165498, "season"), (165520, "episode")):
        data = ok(call_api, "get_new_rating_keys", rating_key=key, media_type=media_type)
        assert ordered(data) == ordered(expected)
    # Without media_type: the inventory's type.
    assert ok(call_api, "get_new_rating_keys", rating_key=167784) == expected
    text = json.dumps(ok(call_api, "get_new_rating_keys", rating_key=165434))
    assert text == json.dumps(expected)  # the same JSON, keys as strings, ints as ints


def test_new_rating_keys_follow_a_re_added_item_to_its_current_keys(call_api, server):
    old = {"0": {"rating_key": 10, "children": {"1": {"rating_key": 11, "children": {
        "1": {"rating_key": 12}, "2": {"rating_key": 13}}}}}}  # fmt: skip
    new = {"0": {"rating_key": 20, "children": {"1": {"rating_key": 21, "children": {
        "1": {"rating_key": 22}, "2": {"rating_key": 23}}}}}}  # fmt: skip
    bake_inventory(server, old, removed_at=STOPPED)
    bake_inventory(server, new)
    for old_key, new_key in ((10, 20), (11, 21), (12, 22), (13, 23)):
        baker.make(RatingKeyChange, server=server, old_rating_key=old_key,
                   new_rating_key=new_key, changed_at=STOPPED)  # fmt: skip

    expected = {**new, "section_id": "30", "library_name": ""}  # no Library row: no name
    for key in (10, 11, 13, 20):
        assert ok(call_api, "get_new_rating_keys", rating_key=key) == expected


def test_new_rating_keys_of_music_are_matched_by_title(call_api, server):
    baker.make(Library, server=server, section_id=3, section_name="Music")
    bake_item(server, 156, "artist", title="Skrillex", section_id=3)
    bake_item(server, 157, "album", title="Bangarang", media_index=1, parent_rating_key=156,
              section_id=3)  # fmt: skip
    for key, index, title in ((158, 1, "Right In"), (159, 2, "Bangarang"), (160, None, "Kyoto")):
        bake_item(server, key, "track", title=title, media_index=index, parent_rating_key=157,
                  grandparent_rating_key=156, section_id=3)  # fmt: skip

    data = ok(call_api, "get_new_rating_keys", rating_key=159, media_type="track")
    assert ordered(data) == ordered(
        {
            "skrillex": {
                "rating_key": 156,
                "children": {
                    "bangarang": {
                        "rating_key": 157,
                        "children": {
                            "Kyoto": {"rating_key": 160},  # no number: its title, as Tautulli
                            "1": {"rating_key": 158},
                            "2": {"rating_key": 159},
                        },
                    }
                },
            },
            "section_id": "3",
            "library_name": "Music",
        }
    )


def test_new_rating_keys_of_a_movie_and_of_unknown_items(call_api, server):
    bake_item(server, 108, "movie", title="Interstate 60")
    baker.make(RatingKeyChange, server=server, old_rating_key=57, new_rating_key=108,
               changed_at=STOPPED)  # fmt: skip
    assert ok(call_api, "get_new_rating_keys", rating_key=108, media_type="movie") == {
        "0": {"rating_key": 108}
    }
    assert ok(call_api, "get_new_rating_keys", rating_key=57) == {"0": {"rating_key": 108}}
    # Unknown to the inventory: Tautulli's {} (a movie: its key, which Tautulli never checks).
    assert ok(call_api, "get_new_rating_keys", rating_key=999, media_type="show") == {}
    assert ok(call_api, "get_new_rating_keys", rating_key=999) == {}
    assert ok(call_api, "get_new_rating_keys", rating_key=999, media_type="movie") == {
        "0": {"rating_key": 999}
    }


def test_a_cycle_of_rating_key_changes_ends(call_api, server):
    bake_item(server, 2, "movie")
    for old_key, new_key in ((1, 2), (2, 1)):
        baker.make(RatingKeyChange, server=server, old_rating_key=old_key,
                   new_rating_key=new_key, changed_at=STOPPED)  # fmt: skip
    assert ok(call_api, "get_new_rating_keys", rating_key=1) == {"0": {"rating_key": 2}}


# --- get_old_rating_keys ----------------------------------------------------------------------


def test_old_rating_keys_are_the_capture(call_api, server, user):
    expected = captured(OLD)
    bake_history(server, user, expected, plays=2)
    other = {"0": {"rating_key": 500, "children": {"1": {"rating_key": 501, "children": {
        "1": {"rating_key": 502}}}}}}  # fmt: skip
    bake_history(server, user, other)

    for key, media_type in ((165434, "show"), (167783, "season"), (168263, "episode")):
        data = ok(call_api, "get_old_rating_keys", rating_key=key, media_type=media_type)
        assert ordered(data) == ordered(expected)  # descending rating keys, as the capture
    text = json.dumps(ok(call_api, "get_old_rating_keys", rating_key=165434))
    assert text == json.dumps(expected)


def test_old_rating_keys_of_a_re_added_item_come_from_its_old_keys(call_api, server, user):
    old = {"0": {"rating_key": 10, "children": {"1": {"rating_key": 11, "children": {
        "1": {"rating_key": 12}, "2": {"rating_key": 13}}}}}}  # fmt: skip
    bake_history(server, user, old)
    for old_key, new_key in ((10, 20), (11, 21), (12, 22), (13, 23)):
        baker.make(RatingKeyChange, server=server, old_rating_key=old_key,
                   new_rating_key=new_key, changed_at=STOPPED)  # fmt: skip
    expected = {"0": {"rating_key": 10, "children": {"1": {"rating_key": 11, "children": {
        "2": {"rating_key": 13}, "1": {"rating_key": 12}}}}}}  # fmt: skip
    for key in (10, 20, 21, 23):
        assert ordered(ok(call_api, "get_old_rating_keys", rating_key=key)) == ordered(expected)


def test_old_rating_keys_of_music_movies_and_unknown_items(call_api, server, user):
    row = bake_play(server, user, stopped=STOPPED, seconds=200, media_type="track",
                    rating_key=159, parent_rating_key=157, grandparent_rating_key=156)  # fmt: skip
    baker.make(HistoryMetadata, history=row, media_type="track", title="Bangarang",
               parent_title="Bangarang", grandparent_title="Skrillex", media_index=2,
               parent_media_index=1)  # fmt: skip
    assert ok(call_api, "get_old_rating_keys", rating_key=157) == {
        "skrillex": {
            "rating_key": 156,
            "children": {"bangarang": {"rating_key": 157, "children": {"2": {"rating_key": 159}}}},
        }
    }
    movie = bake_play(server, user, stopped=STOPPED, seconds=200, media_type="movie",
                      rating_key=108)  # fmt: skip
    baker.make(HistoryMetadata, history=movie, media_type="movie", title="Interstate 60")
    assert ok(call_api, "get_old_rating_keys", rating_key=108) == {"0": {"rating_key": 108}}
    assert ok(call_api, "get_old_rating_keys", rating_key=108, media_type="movie") == {
        "0": {"rating_key": 108}
    }
    # No history: {} (a movie: the key given, as Tautulli).
    assert ok(call_api, "get_old_rating_keys", rating_key=999, media_type="episode") == {}
    assert ok(call_api, "get_old_rating_keys", rating_key=999, media_type="movie") == {
        "0": {"rating_key": 999}
    }


def test_old_rating_keys_read_the_servers_own_history(call_api, server, user):
    other = baker.make(Server, name="Other")
    bake_history(other, user, {"0": {"rating_key": 10, "children": {"1": {"rating_key": 11,
                 "children": {"1": {"rating_key": 12}}}}}})  # fmt: skip
    assert ok(call_api, "get_old_rating_keys", rating_key=10, server="Fake") == {}
    assert ok(call_api, "get_old_rating_keys", rating_key=10, server="Other") != {}


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", ["get_new_rating_keys", "get_old_rating_keys"])
def test_bad_parameters_are_errors_in_the_envelope(call_api, server, cmd):
    assert error(call_api, cmd) == "Parameter rating_key is required"
    assert "rating_key" in error(call_api, cmd, rating_key="abc")
    assert "rating_key" in error(call_api, cmd, rating_key=-1)
    assert "media_type" in error(call_api, cmd, rating_key=1, media_type="playlist")
    assert "server" in error(call_api, cmd, rating_key=1, server="nope")


@pytest.mark.parametrize("cmd", ["get_new_rating_keys", "get_old_rating_keys"])
def test_without_any_server(call_api, db, cmd):
    assert ok(call_api, cmd, rating_key=5, media_type="show") == {}
    assert ok(call_api, cmd, rating_key=5, media_type="movie") == {"0": {"rating_key": 5}}
