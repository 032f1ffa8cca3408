"""What housekeeping asks of Plex (plex.housekeeping, issue 14), through real plexapi against the
fake PMS: deletion only when the server allows it, the item gone from the next inventory
refresh, an item already gone, a server that is down, the "leaving soon" collection kept in
step, and the inventory's tags (genres, labels, collections)."""

import datetime as dt
import re

import pytest
import time_machine
from model_bakery import baker

from libraries.models import LibraryMedia
from plex.client import PlexUnavailable
from plex.housekeeping import (
    PlexCollectionError,
    PlexDeletionRefused,
    PlexItemGone,
    PlexUnreachable,
    allows_deletion,
    delete_item,
    sync_collection,
)
from plex.inventory import refresh_inventory
from plex.testing import FakePlexServer
from plex.testing.collection_routes import add_collections
from plex.testing.collection_writes import FIRST_COLLECTION_KEY, add_collection_writes
from plex.testing.fake_pms import Reply
from plex.testing.inventory_library import (
    FIRST_RATING_KEY,
    MOVIE_SECTION,
    add_generated_library,
    generated_tags,
)
from plex.testing.media_routes import add_inventory_sections
from servers.models import Server

pytestmark = pytest.mark.django_db

FIRST = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
MOVIE = FIRST_RATING_KEY  # the first generated movie ("Movie 1")
LEAVING = "Leaving soon"


@pytest.fixture
def pms():
    with FakePlexServer() as fake:
        fake.library = add_generated_library(fake, 200)
        fake.collections = add_collection_writes(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="Home", url=pms.url, token=pms.token, is_active=True)


def _refresh(server, when=SECOND):
    with time_machine.travel(when, tick=False):
        return refresh_inventory(server)


def _writes(pms):
    return [(r.method, r.path) for r in pms.requests if r.method != "GET"]


def _keys(pms, kind):
    """The rating keys of the generated items of ``kind`` (e.g. "movie"), in order."""
    listings = pms.library.listings
    number = {"movie": "1", "show": "2", "season": "3", "episode": "4"}[kind]
    section = MOVIE_SECTION if kind == "movie" else 2
    return [
        int(re.search(r'ratingKey="(\d+)"', text).group(1))
        for text in listings[(section, number)].items
    ]


def test_deletion_is_refused_before_anything_is_sent_when_the_server_does_not_allow_it(server, pms):
    pms.allow_media_deletion = False
    assert allows_deletion(server) is False
    with pytest.raises(PlexDeletionRefused, match="Allow media deletion"):
        delete_item(server, MOVIE)
    assert _writes(pms) == []
    assert not any(r.path.startswith("/library/metadata") for r in pms.requests)
    assert MOVIE in pms.library.rating_keys


def test_the_setting_is_read_afresh_not_from_a_cached_connection(server, pms):
    assert allows_deletion(server) is True
    pms.allow_media_deletion = False
    assert allows_deletion(server) is False
    with pytest.raises(PlexDeletionRefused):
        delete_item(server, MOVIE)
    assert _writes(pms) == []


def test_a_deleted_item_leaves_the_next_listing(server, pms):
    _refresh(server, FIRST)
    sent = delete_item(server, MOVIE)
    assert sent == [{"method": "DELETE", "service": "plex", "path": f"/library/metadata/{MOVIE}"}]
    assert _writes(pms) == [("DELETE", f"/library/metadata/{MOVIE}")]
    assert pms.requests[-1].token == pms.token  # sent with the token; never returned
    assert pms.token not in repr(sent)
    assert pms.deleted == [str(MOVIE)]
    assert _refresh(server)["removed"] == 1
    row = LibraryMedia.objects.get(server=server, rating_key=MOVIE)
    assert row.removed_at == SECOND


def test_deleting_a_show_deletes_its_seasons_and_episodes(server, pms):
    _refresh(server, FIRST)
    show = _keys(pms, "show")[0]
    delete_item(server, show)
    assert _refresh(server)["removed"] == 1 + 4 + 4 * 20
    gone = LibraryMedia.objects.filter(server=server, removed_at__isnull=False)
    assert set(gone.values_list("media_type", flat=True)) == {"show", "season", "episode"}
    assert (
        not gone.exclude(rating_key=show)
        .exclude(grandparent_rating_key=show)
        .exclude(parent_rating_key=show)
        .exists()
    )


def test_an_item_pms_does_not_know_is_already_gone(server, pms):
    delete_item(server, MOVIE)
    with pytest.raises(PlexItemGone):
        delete_item(server, MOVIE)
    with pytest.raises(PlexItemGone):
        delete_item(server, 999_999)
    assert _writes(pms) == [("DELETE", f"/library/metadata/{MOVIE}")]


def test_a_delete_pms_refuses_is_refused(server, pms):
    """The setting turned off between the check and the DELETE: PMS answers 400."""
    pms.route_pattern(
        r"/library/metadata/\d+", lambda r: Reply(400, "Bad Request"), method="DELETE"
    )
    pms.patterns.insert(0, pms.patterns.pop())  # before the fake's own DELETE route
    with pytest.raises(PlexDeletionRefused, match="refused to delete"):
        delete_item(server, MOVIE)
    assert MOVIE in pms.library.rating_keys


def test_a_server_that_is_down_is_unreachable(server, pms):
    pms.stop()
    with pytest.raises(PlexUnreachable, match="Unreachable") as caught:
        delete_item(server, MOVIE)
    assert isinstance(caught.value, PlexUnavailable)
    assert pms.token not in str(caught.value)
    with pytest.raises(PlexUnreachable):
        sync_collection(server, MOVIE_SECTION, LEAVING, [MOVIE])
    with pytest.raises(PlexUnreachable):
        allows_deletion(server)


def _members(pms):
    found = [c for c in pms.collections.collections.get(MOVIE_SECTION, []) if c["title"] == LEAVING]
    if not found:
        return None
    return [int(key) for key in pms.collections.members[found[0]["ratingKey"]]]


def test_the_leaving_soon_collection_is_kept_in_step(server, pms):
    one, two, three = _keys(pms, "movie")[:3]

    first = sync_collection(server, MOVIE_SECTION, LEAVING, [one, two])
    assert first == {"added": 2, "removed": 0, "created": True, "deleted": False}
    assert _members(pms) == [one, two]
    created = [r for r in pms.requests if r.method == "POST"]
    assert [(r.path, r.query["title"], r.query["sectionId"]) for r in created] == [
        ("/library/collections", LEAVING, "1")
    ]

    second = sync_collection(server, MOVIE_SECTION, LEAVING, [two, three])
    assert second == {"added": 1, "removed": 1, "created": False, "deleted": False}
    assert sorted(_members(pms)) == [two, three]

    again = sync_collection(server, MOVIE_SECTION, LEAVING, [three, two])
    assert again == {"added": 0, "removed": 0, "created": False, "deleted": False}

    third = sync_collection(server, MOVIE_SECTION, LEAVING, [])
    assert third == {"added": 0, "removed": 0, "created": False, "deleted": True}
    assert _members(pms) is None
    collection = f"/library/collections/{FIRST_COLLECTION_KEY}"
    assert _writes(pms) == [
        ("POST", "/library/collections"),
        ("DELETE", f"{collection}/items/{one}"),
        ("PUT", f"{collection}/items"),
        ("DELETE", collection),
    ]

    assert sync_collection(server, MOVIE_SECTION, LEAVING, []) == {
        "added": 0,
        "removed": 0,
        "created": False,
        "deleted": False,
    }
    assert len(_writes(pms)) == 4


def test_a_collection_leaves_out_items_pms_no_longer_has(server, pms):
    one, two = _keys(pms, "movie")[:2]
    delete_item(server, two)
    result = sync_collection(server, MOVIE_SECTION, LEAVING, [one, two])
    assert result == {"added": 1, "removed": 0, "created": True, "deleted": False}
    assert _members(pms) == [one]
    # None left: no collection is made.
    assert sync_collection(server, MOVIE_SECTION, "Other", [two])["created"] is False


def test_a_smart_collection_of_that_title_is_not_touched(server, pms):
    add_collections(pms)  # "Zombie Classics" (smart) in the Movies section
    pms.collections = add_collection_writes(pms, pms.collections)
    with pytest.raises(PlexCollectionError, match="smart collection"):
        sync_collection(server, MOVIE_SECTION, "Zombie Classics", [MOVIE])
    assert _writes(pms) == []


def test_items_of_several_types_cannot_share_a_collection(server, pms):
    episode = _keys(pms, "episode")[0]
    show = _keys(pms, "show")[0]
    with pytest.raises(PlexCollectionError, match="several types"):
        sync_collection(server, 2, LEAVING, [show, episode])
    assert _writes(pms) == []


def test_a_refresh_stores_the_tags_of_a_generated_library_and_rewrites_changed_ones(server, pms):
    _refresh(server, FIRST)
    movies = _keys(pms, "movie")
    rows = {r.rating_key: r for r in LibraryMedia.objects.filter(server=server)}
    for number, rating_key in enumerate(movies, start=1):
        tags = generated_tags("movie", number)
        row = rows[rating_key]
        assert row.genres == "|" + "|".join(tags["Genre"]) + "|"
        assert row.labels == ("|Keep|" if tags["Label"] else "")
        assert row.collections == ("|Classics|" if tags["Collection"] else "")
    assert rows[_keys(pms, "season")[0]].genres == ""
    assert _refresh(server)["written"] == 0

    pms.library.set_tags(MOVIE, {"Genre": ["Horror"], "Label": ["Leaving|Soon", "Keep"]})
    pms.library.set_tags(movies[1], {"Collection": ["Leaving soon"]}, updated_at=1_800_000_000)
    assert _refresh(server)["written"] == 2
    first = LibraryMedia.objects.get(server=server, rating_key=MOVIE)
    assert (first.genres, first.labels, first.collections) == (
        "|Horror|",
        "|Leaving/Soon|Keep|",
        "",
    )
    second = LibraryMedia.objects.get(server=server, rating_key=movies[1])
    assert (second.genres, second.labels, second.collections) == ("", "", "|Leaving soon|")
    assert _refresh(server)["written"] == 0


def test_a_refresh_stores_the_recorded_tags():
    with FakePlexServer() as pms:
        add_inventory_sections(pms)
        server = baker.make(Server, url=pms.url, token=pms.token, is_active=True)
        _refresh(server)
    rows = {r.rating_key: r for r in LibraryMedia.objects.filter(server=server)}
    assert (rows[55].genres, rows[55].labels, rows[55].collections) == (
        "|Animation|Comedy|",
        "",
        "|Animation|",
    )
    assert (rows[22].genres, rows[22].collections) == ("|Action|Drama|", "|SciFi|")
    assert rows[13194].collections == "|Kids|"
    assert rows[13194].genres.count("|") == 8  # its seven genres
    assert rows[90].genres == ""
