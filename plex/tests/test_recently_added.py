"""Recently added (reference 3.7): PMS timeline entries become grouped, de-duplicated on_created."""

import pytest
from model_bakery import baker

from libraries.models import RecentlyAdded
from plex.activity import recently_added
from plex.activity.events import plex_event
from servers.models import PendingRecentlyAdded, Server

pytestmark = pytest.mark.django_db(transaction=True)
T0 = 1_795_000_000


@pytest.fixture
def server():
    return baker.make(Server, name="Home", machine_identifier="m1", url="http://127.0.0.1:1")


@pytest.fixture
def created():
    seen = []

    def receiver(sender, action, timeline=None, **kwargs):
        if action == "on_created":
            seen.append(timeline)

    plex_event.connect(receiver, weak=False)
    yield seen
    plex_event.disconnect(receiver)


def entry(
    item_id, type_, *, parent=None, root=None, section=2, state=0, metadata="created", title="x"
):
    return {
        "itemID": str(item_id),
        "parentItemID": str(parent) if parent else None,
        "rootItemID": str(root) if root else None,
        "identifier": "com.plexapp.plugins.library",
        "state": state,
        "type": type_,
        "sectionID": str(section),
        "title": title,
        "metadataState": metadata,
        "mediaState": "",
        "queueSize": 0,
    }


def test_a_movie_is_announced_once_after_the_delay(server, created):
    recently_added.queue_entry(server, entry(100, 1, section=1, title="Dune"), T0)
    assert recently_added.release_due(server, T0 + 299) == 0
    assert recently_added.release_due(server, T0 + 300) == 1
    assert created == [
        {
            "rating_key": 100,
            "parent_rating_key": None,
            "grandparent_rating_key": None,
            "media_type": "movie",
            "section_id": 1,
            "title": "Dune",
            "child_keys": [],
        }
    ]
    assert RecentlyAdded.objects.filter(server=server, rating_key=100).exists()
    # PMS re-announcing the same item later does not notify twice.
    recently_added.queue_entry(server, entry(100, 1, section=1), T0 + 1000)
    assert recently_added.release_due(server, T0 + 1400) == 0
    assert len(created) == 1 and not PendingRecentlyAdded.objects.exists()


def test_episodes_of_one_season_are_grouped_and_each_new_one_restarts_the_delay(server, created):
    for i, key in enumerate((201, 202, 203)):
        recently_added.queue_entry(server, entry(key, 4, parent=20, root=2), T0 + 100 * i)
    assert recently_added.release_due(server, T0 + 450) == 0  # the last came at T0+200
    assert recently_added.release_due(server, T0 + 500) == 1
    assert [(c["media_type"], c["rating_key"], c["child_keys"]) for c in created] == [
        ("season", 20, [201, 202, 203])
    ]
    assert set(RecentlyAdded.objects.values_list("rating_key", flat=True)) == {20, 201, 202, 203}


def test_several_seasons_announce_the_show_and_single_items_announce_themselves(server, created):
    recently_added.queue_entry(server, entry(301, 4, parent=31, root=3), T0)
    recently_added.queue_entry(server, entry(311, 4, parent=32, root=3), T0)
    recently_added.queue_entry(server, entry(401, 10, parent=41, root=4, section=3), T0)
    assert recently_added.release_due(server, T0 + 300) == 2
    assert sorted((c["media_type"], c["rating_key"], c["child_keys"]) for c in created) == [
        ("show", 3, [31, 32]),
        ("track", 401, []),
    ]


def test_grouping_can_be_turned_off(server, created, settings):
    settings.NOTIFY_GROUP_RECENTLY_ADDED_PARENT = False
    recently_added.queue_entry(server, entry(201, 4, parent=20, root=2), T0)
    recently_added.queue_entry(server, entry(202, 4, parent=20, root=2), T0)
    assert recently_added.release_due(server, T0 + 300) == 2
    assert sorted(c["rating_key"] for c in created) == [201, 202]


def test_deleted_before_the_delay_is_not_announced_and_other_entries_are_ignored(server, created):
    recently_added.queue_entry(server, entry(100, 1, section=1), T0)
    assert recently_added.queue_entry(
        server, entry(100, 1, section=1, state=9, metadata="deleted"), T0 + 5
    )
    assert not recently_added.queue_entry(
        server, entry(101, 1, section=1, state=5, metadata="processed"), T0
    )
    assert not recently_added.queue_entry(server, entry(102, 1, section=-1), T0)
    assert not recently_added.queue_entry(
        server, {**entry(103, 1), "identifier": "com.plexapp.system"}, T0
    )
    assert recently_added.release_due(server, T0 + 1000) == 0
    assert created == []
