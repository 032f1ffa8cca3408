"""Every library item's watch statistics (stats.media_stats): equal to a plain computation over
History and the inventory, and kept equal as plays, the inventory and rating keys change.

The reference below is written in Python from the rule in ``MediaWatchStats``' docstring,
independently of the SQL that maintains the table.
"""

import datetime as dt

import pytest
from model_bakery import baker

from conftest import bake_play
from history.models import History
from libraries.models import LibraryMedia, RatingKeyChange
from libraries.rollups import roll_up_sizes
from servers.models import Server
from stats.inventory import items_with_stats
from stats.media_stats import (
    STAT_COLUMNS,
    queue_items,
    rebuild_media_stats,
    sync_media_stats,
)
from stats.models import MediaUserWatch, MediaWatchStats
from users.models import User

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
GB = 1024**3
FIELDS = ("level", *STAT_COLUMNS)


def epoch(value):
    return int(value.timestamp())


def reference() -> dict:
    """{(server_id, rating_key): {field: value}} computed in Python from History rows."""
    present = {(m.server_id, m.rating_key): m for m in LibraryMedia.objects.present().playable()}

    def leaf(row):
        return present.get((row.server_id, row.rating_key))

    result = {}
    for level, target, rows in _groups():
        if target in result:
            continue
        current = [
            r
            for r in rows
            if leaf(r) and (leaf(r).added_at is None or r.started >= leaf(r).added_at)
        ]
        result[target] = {
            "level": level,
            **figures(rows, leaf),
            **{f"{name}_current": value for name, value in figures(current, leaf).items()},
        }
    return result


def reference_per_user() -> dict:
    """{(server_id, rating_key, user_id): (level, plays, last_watched)} from History rows."""
    result = {}
    for level, target, rows in _groups():
        for user_id in {r.user_id for r in rows if r.user_id is not None}:
            if (*target, user_id) in result:
                continue
            own = [r for r in rows if r.user_id == user_id]
            plays = len({r.reference_id or r.id for r in own})
            result[(*target, user_id)] = (level, plays, max(epoch(r.started) for r in own))
    return result


def stored_per_user() -> dict:
    return {
        (row.server_id, row.rating_key, row.user_id): (row.level, row.plays, row.last_watched)
        for row in MediaUserWatch.objects.all()
    }


def _groups():
    """(level, (server_id, current key), rows) of every key of every level, top level first."""
    aliases = {}
    changes = RatingKeyChange.objects.order_by("changed_at", "pk")
    for change in changes:
        aliases[(change.server_id, change.old_rating_key)] = change.new_rating_key

    def resolve(server_id, key):
        seen = set()
        while (server_id, key) in aliases and key not in seen:
            seen.add(key)
            key = aliases[(server_id, key)]
        return key

    for level, column in (
        ("g", "grandparent_rating_key"),
        ("p", "parent_rating_key"),
        ("i", "rating_key"),
    ):
        groups: dict = {}
        for row in History.objects.all():
            key = getattr(row, column)
            if key is None:
                continue
            groups.setdefault((row.server_id, resolve(row.server_id, key)), []).append(row)
        for target, rows in groups.items():
            yield level, target, rows


def figures(rows, leaf) -> dict:
    return {
        "plays": len({r.reference_id or r.id for r in rows}),
        "users": len({r.user_id for r in rows if r.user_id is not None}),
        "watch_time": sum(r.play_duration for r in rows),
        "first_watched": min((epoch(r.started) for r in rows), default=None),
        "last_watched": max((epoch(r.started) for r in rows), default=None),
        "watched_items": len({r.rating_key for r in rows if leaf(r)}),
    }


def stored() -> dict:
    return {
        (row["server_id"], row["rating_key"]): {f: row[f] for f in FIELDS}
        for row in MediaWatchStats.objects.values("server_id", "rating_key", *FIELDS)
    }


@pytest.fixture
def library():
    """A show (1) with two seasons (10, 20) of two episodes each (11, 12, 21, 22) and a movie
    (50), in the inventory of one server; two users."""
    server = baker.make(Server)
    alice, bob = baker.make(User, user_id=101), baker.make(User, user_id=102)
    added = T0 - dt.timedelta(days=100)

    def item(key, media_type, parent=None, grandparent=None, size=None, added_at=added):
        return LibraryMedia.objects.create(
            server=server,
            section_id=1,
            rating_key=key,
            media_type=media_type,
            parent_rating_key=parent,
            grandparent_rating_key=grandparent,
            file_size=size,
            added_at=added_at,
        )

    item(1, "show")
    for season in (10, 20):
        item(season, "season", parent=1)
        for episode in (season + 1, season + 2):
            item(episode, "episode", parent=season, grandparent=1, size=GB)
    item(50, "movie", size=4 * GB)
    return server, alice, bob


def play(server, user, key, days_ago, seconds=1800, continues=None, **fields):
    parents = {11: 10, 12: 10, 21: 20, 22: 20, 13: 10}
    keys = {"rating_key": key}
    if key in parents:
        keys.update(parent_rating_key=parents[key], grandparent_rating_key=1, media_type="episode")
    else:
        keys.update(media_type="movie")
    return bake_play(
        server,
        user,
        stopped=T0 - dt.timedelta(days=days_ago),
        seconds=seconds,
        continues=continues,
        **{**keys, **fields},
    )


def test_equal_to_a_plain_computation_and_rolled_up_per_season_and_show(library):
    server, alice, bob = library
    first = play(server, alice, 11, 30)
    play(server, alice, 11, 30, continues=first)  # the same play resumed: one play
    play(server, bob, 11, 20)
    play(server, bob, 12, 10, seconds=600)
    play(server, alice, 50, 5, seconds=7000)
    sync_media_stats()

    rows = stored()
    assert rows == reference()
    assert stored_per_user() == reference_per_user()
    show = rows[(server.pk, 1)]
    assert (show["level"], show["plays"], show["users"], show["watched_items"]) == ("g", 3, 2, 2)
    assert show["watch_time"] == 1800 * 3 + 600
    assert rows[(server.pk, 10)]["plays"] == 3 and (server.pk, 20) not in rows
    assert rows[(server.pk, 11)]["plays"] == 2 and rows[(server.pk, 11)]["users"] == 2
    assert rows[(server.pk, 50)]["last_watched"] == epoch(T0 - dt.timedelta(days=5, seconds=7000))
    # Per user: alice's resumed play of episode 11 is one play; the show has a row per user.
    per_user = stored_per_user()
    assert per_user[(server.pk, 11, alice.user_id)][:2] == ("i", 1)
    assert per_user[(server.pk, 1, bob.user_id)][:2] == ("g", 2)


def test_kept_current_as_plays_are_added_and_deleted(library):
    server, alice, bob = library
    play(server, alice, 21, 3)
    sync_media_stats()
    assert stored()[(server.pk, 1)]["plays"] == 1

    later = play(server, bob, 22, 1)
    assert MediaWatchStats.objects.get(server_id=server.pk, rating_key=20).plays == 2
    assert stored() == reference()

    History.objects.filter(pk=later.pk).purge()
    assert MediaWatchStats.objects.get(server_id=server.pk, rating_key=20).plays == 1
    assert stored_per_user() == reference_per_user()
    History.objects.all().purge()
    assert stored() == {} and stored_per_user() == {}


def test_a_copy_added_again_does_not_inherit_the_old_plays(library):
    server, alice, bob = library
    play(server, alice, 50, 60)
    play(server, bob, 12, 40)
    sync_media_stats()
    movie = stored()[(server.pk, 50)]
    assert (movie["plays"], movie["plays_current"]) == (1, 1)

    # Downloaded again 30 days ago: the earlier play stays in plays, not in plays_current.
    LibraryMedia.objects.filter(rating_key__in=[50, 12]).update(added_at=T0 - dt.timedelta(days=30))
    queue_items(server.pk, [50, 12, 10, 1])
    play(server, bob, 50, 2)
    rows = stored()
    assert rows == reference()
    assert (rows[(server.pk, 50)]["plays"], rows[(server.pk, 50)]["plays_current"]) == (2, 1)
    assert rows[(server.pk, 50)]["users_current"] == 1
    assert rows[(server.pk, 1)]["watched_items"] == 1
    assert rows[(server.pk, 1)]["watched_items_current"] == 0
    assert rows[(server.pk, 1)]["last_watched_current"] is None


def test_plays_of_an_old_rating_key_count_for_the_new_one(library):
    server, alice, bob = library
    play(server, alice, 13, 50)  # an episode PMS listed as 13 before it was re-added as 12
    play(server, bob, 12, 5)
    sync_media_stats()
    assert stored()[(server.pk, 13)]["plays"] == 1

    RatingKeyChange.objects.create(
        server=server, old_rating_key=13, new_rating_key=12, changed_at=T0
    )
    queue_items(server.pk, [12])
    rows = stored()
    assert rows == reference()
    assert (server.pk, 13) not in rows
    assert stored_per_user() == reference_per_user()
    assert (server.pk, 12, alice.user_id) in stored_per_user()
    episode = rows[(server.pk, 12)]
    assert (episode["plays"], episode["users"], episode["plays_current"]) == (2, 2, 1)


def test_a_full_rebuild_equals_the_incremental_upkeep(library):
    server, alice, bob = library
    for days, user, key in ((40, alice, 11), (30, bob, 21), (20, alice, 22), (9, bob, 50)):
        play(server, user, key, days)
    sync_media_stats()
    incremental, incremental_per_user = stored(), stored_per_user()
    rebuild_media_stats()
    assert stored() == incremental == reference()
    assert stored_per_user() == incremental_per_user == reference_per_user()


def test_sizes_and_item_counts_roll_up_the_hierarchy(library):
    server, _alice, _bob = library
    LibraryMedia.objects.filter(rating_key=22).update(removed_at=T0)
    roll_up_sizes(server.pk)
    sizes = dict(LibraryMedia.objects.values_list("rating_key", "total_file_size"))
    counts = dict(LibraryMedia.objects.values_list("rating_key", "leaf_count"))
    assert (sizes[1], counts[1]) == (3 * GB, 3)
    assert (sizes[10], sizes[20], counts[20]) == (2 * GB, GB, 1)
    assert (sizes[22], counts[22]) == (None, 0)
    assert (sizes[50], counts[50]) == (4 * GB, 1)


def test_the_inventory_reads_with_its_statistics_and_filters_on_them(library):
    server, alice, bob = library
    play(server, alice, 50, 200)
    play(server, bob, 21, 3)
    roll_up_sizes(server.pk)
    items = items_with_stats(LibraryMedia.objects.filter(server=server))
    by_key = {row.rating_key: row for row in items}
    assert (by_key[50].plays, by_key[50].users) == (1, 1)
    assert (by_key[11].plays, by_key[11].last_watched) == (0, None)  # never watched
    assert (by_key[1].plays, by_key[1].watched_items, by_key[1].leaf_count) == (1, 1, 4)

    cutoff = epoch(T0 - dt.timedelta(days=90))
    stale = items.filter(last_watched__lt=cutoff, total_file_size__gt=GB).order_by(
        "-total_file_size"
    )
    assert [row.rating_key for row in stale] == [50]
    never = items.filter(plays=0, media_type="episode").order_by("rating_key")
    assert [row.rating_key for row in never] == [11, 12, 22]
