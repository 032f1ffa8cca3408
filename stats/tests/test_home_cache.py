"""Home statistics answered once per rollup generation (stats.home_cache): what changes the
statistics is seen by the next request; concurrent requests do not all recompute."""

import datetime as dt
import json

import pytest
from django.core.cache import caches
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from servers.models import Server
from stats import home_cache
from stats.home_stats import home_stats as computed_home_stats
from stats.tasks import update_statistics
from stats.window import StatsWindow
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def played():
    server = baker.make(Server, name="Main", machine_identifier="main")
    user = User.objects.create(user_id=11, username="alice", friendly_name="Alice")
    for hours in (3, 30):
        bake_play(
            server,
            user,
            stopped=FROZEN_NOW - dt.timedelta(hours=hours),
            seconds=1200,
            media_type="movie",
            section_id=1,
        )
    return server, user


def top_users(window=None) -> list[dict]:
    window = window or StatsWindow.build(time_range=30)
    return home_cache.home_stats(window, stat_ids=["top_users"])[0]["rows"]


def test_a_new_play_and_a_renamed_user_are_seen_by_the_next_request(played, call_api):
    server, user = played
    assert [(row["friendly_name"], row["total_plays"]) for row in top_users()] == [("Alice", 2)]
    bake_play(server, user, stopped=FROZEN_NOW - dt.timedelta(hours=1), seconds=60)
    assert top_users()[0]["total_plays"] == 3
    user.friendly_name = "Alice L."
    user.save()
    assert top_users()[0]["friendly_name"] == "Alice L."
    data = call_api("get_home_stats", stat_id="top_users")[1]["response"]["data"]
    assert data["rows"] == top_users()


def test_the_same_request_is_answered_from_the_cache(played, django_assert_max_num_queries):
    window = StatsWindow.build(time_range=365)
    first = home_cache.home_stats(window)
    assert first == computed_home_stats(window)
    # The freshness checks (with their lock on PostgreSQL) and the generation: no statistics.
    with django_assert_max_num_queries(10):
        assert home_cache.home_stats(window) == first


def test_while_another_request_computes_a_recent_answer_is_served(played, clock):
    server, user = played
    assert top_users()[0]["total_plays"] == 2
    bake_play(server, user, stopped=FROZEN_NOW - dt.timedelta(hours=1), seconds=60)
    window = StatsWindow.build(time_range=30)
    busy = home_cache._key(window, {"stat_ids": ["top_users"]}) + ":busy"
    caches["stats"].add(busy, 1, home_cache.LOCK_SECONDS)  # another worker is computing it
    assert top_users()[0]["total_plays"] == 2  # the answer of a few seconds ago
    clock.shift(home_cache.STALE_SECONDS + 1)
    assert top_users()[0]["total_plays"] == 3  # too old to serve: computed here
    assert caches["stats"].get(busy) == 1  # the other worker's lock is left to it


def test_the_statistics_task_refreshes_recent_answers(played):
    server, user = played
    window = StatsWindow.build(time_range=30)
    assert top_users(window)[0]["total_plays"] == 2
    bake_play(server, user, stopped=FROZEN_NOW - dt.timedelta(hours=1), seconds=60)
    assert "1 home statistics refreshed" in update_statistics()
    key = home_cache._key(window, {"stat_ids": ["top_users"]})
    generation, _, cards = caches["stats"].get(key)
    assert json.loads(cards)[0]["rows"][0]["total_plays"] == 3
    assert update_statistics().endswith("0 home statistics refreshed")


def test_cached_answers_are_sent_as_encoded_in_every_output_format(played, client, api_key):
    """get_home_stats answers the cached JSON text as it is: the same bytes json.dumps of the
    envelope gives, and the same data in XML, debug and JSONP outputs."""
    base = {"apikey": api_key, "cmd": "get_home_stats", "stat_id": "top_users"}
    body = client.get("/api/v2", base).content.decode()
    envelope = json.loads(body)
    assert body == json.dumps(envelope, ensure_ascii=False)
    card = envelope["response"]["data"]
    assert card["stat_id"] == "top_users" and card["rows"][0]["total_plays"] == 2
    debug = client.get("/api/v2", {**base, "debug": "1"}).content.decode()
    assert json.loads(debug) == envelope and "\n    " in debug
    jsonp = client.get("/api/v2", {**base, "callback": "cb"}).content.decode()
    assert jsonp.startswith("cb(") and json.loads(jsonp[3:-2]) == envelope
    xml = client.get("/api/v2", {**base, "out_type": "xml"}).content.decode()
    assert "<stat_id>top_users</stat_id>" in xml and "<total_plays>2</total_plays>" in xml


def test_an_entry_of_an_earlier_release_is_not_read(played):
    """Before format 2 the cache held the cards as Python objects under an unversioned key:
    such an entry, left in DATA_DIR by an upgrade, is never answered as JSON text."""
    window = StatsWindow.build(time_range=30)
    key = home_cache._key(window, {"stat_ids": ["top_users"]})
    old_key = key.replace(f"home:{home_cache.ENTRY_FORMAT}:", "home:")
    assert old_key != key
    generation = home_cache.rollup_generation()
    caches["stats"].set(old_key, (generation, 0, [{"stat_id": "stale"}]))
    text = home_cache.home_stats_json(window, stat_ids=["top_users"])
    assert json.loads(text)[0]["stat_id"] == "top_users"
