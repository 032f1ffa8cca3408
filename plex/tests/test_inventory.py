"""The library inventory read from a (fake) PMS through real plexapi (issue 13, part 1): every
item with its hierarchy and media values, incremental refreshes, removals, re-added items, a
server that is down, the command and the schedule."""

import datetime as dt

import pytest
import requests
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule
from model_bakery import baker

from conftest import bake_play
from libraries.models import Library, LibraryMedia, RatingKeyChange
from plex import tasks
from plex.client import PlexUnavailable, clear_cache
from plex.inventory import refresh_all_inventories, refresh_inventory
from plex.testing import FakePlexServer
from plex.testing.inventory_library import add_generated_library
from plex.testing.media_routes import add_inventory_sections
from servers.models import Server
from stats.models import MediaWatchStats
from users.models import User

pytestmark = pytest.mark.django_db

PART = 13400382  # bytes of each recorded movie/episode part
TRACK_PART = 100262
FIRST = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
ALL_KEYS = [22, 33, 55, 56, 57, 68, 89, 90, 91, 92, 108, 142, 156, 157, 158, 159, 160, 13194]


@pytest.fixture
def pms():
    with FakePlexServer() as fake:
        fake.edits = add_inventory_sections(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="Home", url=pms.url, token=pms.token, is_active=True)


def _rows(server):
    return {row.rating_key: row for row in LibraryMedia.objects.filter(server=server)}


def _values(server):
    return {row["rating_key"]: row for row in LibraryMedia.objects.filter(server=server).values()}


def _writes(queries) -> list[str]:
    """The INSERT/UPDATE statements on the inventory table among ``queries``."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
        and "libraries_librarymedia" in q["sql"]
    ]


def _refresh(server, when=SECOND, **kwargs):
    with time_machine.travel(when, tick=False):
        return refresh_inventory(server, **kwargs)


def test_a_first_refresh_stores_every_item_with_its_hierarchy_and_media(server):
    summary = _refresh(server, FIRST)
    assert summary == {
        "sections": 3,
        "items": 18,
        "written": 18,
        "added": 18,
        "removed": 0,
        "relinked": 0,
    }
    rows = _rows(server)
    assert sorted(rows) == ALL_KEYS
    types = {key: row.media_type for key, row in rows.items()}
    assert [types[k] for k in (55, 22, 89, 90, 156, 157, 158)] == [
        "movie",
        "show",
        "season",
        "episode",
        "artist",
        "album",
        "track",
    ]
    movie = rows[108]
    assert (movie.section_id, movie.title, movie.year, movie.imdb_id) == (
        1,
        "Interstate 60",
        2002,
        "tt0165832",
    )
    assert movie.added_at == dt.datetime.fromtimestamp(1579514268, tz=dt.UTC)
    assert movie.updated_at == dt.datetime.fromtimestamp(1663510739, tz=dt.UTC)
    assert movie.file_size == PART and movie.duration == 5062
    assert movie.guid == "com.plexapp.agents.imdb://tt0165832?lang=en"
    assert (movie.last_seen_at, movie.removed_at) == (FIRST, None)
    frozen = rows[13194]
    assert (frozen.imdb_id, frozen.tmdb_id, frozen.tvdb_id) == ("tt2294629", "109445", "89")
    assert frozen.file_paths == ["/mnt/media/Libraries/movies/Frozen (2013)/Frozen (2013).mp4"]
    assert (frozen.video_resolution, frozen.container, frozen.bitrate) == ("720", "mp4", 1102)
    assert (frozen.video_codec, frozen.video_framerate) == ("h264", "24p")
    assert (frozen.audio_codec, frozen.audio_channels) == ("aac", 2)
    assert frozen.thumb == "/library/metadata/13194/thumb/1685492981"
    show = rows[22]
    assert (show.sort_title, show.tvdb_id, show.year, show.section_id) == ("100", "268592", 2014, 2)
    season = rows[89]
    assert (season.parent_rating_key, season.parent_title, season.media_index) == (
        22,
        "The 100",
        1,
    )
    episode = rows[91]
    assert (
        episode.title,
        episode.parent_rating_key,
        episode.grandparent_rating_key,
        episode.parent_title,
        episode.grandparent_title,
        episode.media_index,
        episode.parent_media_index,
        episode.tvdb_id,  # its legacy guid names the show, not the episode
    ) == ("Earth Skills", 89, 22, "Season 1", "The 100", 2, 1, "")
    track = rows[158]
    assert (track.parent_rating_key, track.grandparent_rating_key, track.media_index) == (
        157,
        156,
        1,
    )
    assert (track.file_size, track.section_id, track.grandparent_title) == (
        TRACK_PART,
        3,
        "Skrillex",
    )
    assert rows[157].parent_title == "Skrillex" and rows[156].file_size is None


def test_a_refresh_of_an_unchanged_library_rewrites_nothing(server):
    _refresh(server, FIRST)
    before = _values(server)
    with CaptureQueriesContext(connection) as queries:
        summary = _refresh(server, SECOND)
    assert (summary["items"], summary["written"], summary["removed"]) == (18, 0, 0)
    assert _writes(queries.captured_queries) == []
    after = _values(server)
    assert after == before


def test_a_changed_item_alone_is_rewritten(server, pms):
    _refresh(server, FIRST)
    pms.edits.changes["90"] = {"updatedAt": "1700000000", "title": "Pilot (extended)"}
    with CaptureQueriesContext(connection) as queries:
        summary = _refresh(server, SECOND)
    assert (summary["written"], summary["added"]) == (1, 0)
    writes = _writes(queries.captured_queries)
    # One upsert of the item; the size roll-up touches only its own, season's and show's rows.
    assert len([sql for sql in writes if sql.startswith("INSERT")]) == 1
    assert all("rating_key IN (" in sql for sql in writes if sql.startswith("UPDATE"))
    rows = _rows(server)
    assert rows[90].title == "Pilot (extended)"
    assert rows[90].updated_at == dt.datetime.fromtimestamp(1700000000, tz=dt.UTC)
    assert rows[90].last_seen_at == SECOND and rows[91].last_seen_at == FIRST


def test_a_removed_item_keeps_its_row_and_comes_back(server, pms):
    baker.make(Library, server=server, section_id=2, section_name="TV Shows")
    _refresh(server, FIRST)
    season = LibraryMedia.objects.get(rating_key=rows_parent(server, 91))
    leaves_before, size_before = season.leaf_count, season.total_file_size
    pms.edits.removed.update({"56", "91"})
    summary = _refresh(server, SECOND)
    season.refresh_from_db()
    removed_size = LibraryMedia.objects.get(rating_key=91).file_size
    # The season's roll-up no longer counts the removed episode.
    assert season.leaf_count == leaves_before - 1
    assert season.total_file_size == size_before - removed_size
    assert (summary["items"], summary["removed"], summary["written"]) == (16, 2, 0)
    rows = _rows(server)
    assert sorted(rows) == ALL_KEYS  # nothing deleted
    assert rows[56].removed_at == SECOND and rows[91].removed_at == SECOND
    assert rows[91].last_seen_at == FIRST  # the library's previous refresh saw it
    assert rows[90].removed_at is None
    assert LibraryMedia.objects.present().count() == 16
    assert Library.objects.get(server=server, section_id=2).inventory_refreshed_at == SECOND

    pms.edits.removed.clear()
    third = SECOND + dt.timedelta(days=1)
    summary = _refresh(server, third)
    assert (summary["written"], summary["added"], summary["removed"]) == (2, 0, 0)
    rows = _rows(server)
    assert rows[91].removed_at is None and rows[91].last_seen_at == third


def test_a_re_added_item_is_linked_to_its_old_rating_key_by_guid(server, pms):
    _refresh(server, FIRST)
    pms.edits.renumbered["57"] = "9057"
    summary = _refresh(server, SECOND)
    assert (summary["added"], summary["removed"], summary["relinked"]) == (1, 1, 1)
    rows = _rows(server)
    assert rows[57].removed_at == SECOND and rows[9057].removed_at is None
    assert rows[9057].guid == rows[57].guid and rows[9057].title == "Sintel"
    link = RatingKeyChange.objects.get()
    assert (link.server, link.old_rating_key, link.new_rating_key, link.media_type) == (
        server,
        57,
        9057,
        "movie",
    )
    assert link.changed_at == SECOND
    _refresh(server, SECOND + dt.timedelta(days=1))  # unchanged: no second link
    assert RatingKeyChange.objects.count() == 1


def test_plays_of_the_old_rating_key_count_for_the_re_added_item_but_not_as_current(server, pms):
    _refresh(server, FIRST)
    user = baker.make(User, user_id=7)
    bake_play(server, user, stopped=FIRST - dt.timedelta(days=3), seconds=600, rating_key=57)
    pms.edits.renumbered["57"] = "9057"
    pms.edits.changes["57"] = {"addedAt": str(int(SECOND.timestamp()) - 60)}
    _refresh(server, SECOND)
    stats = MediaWatchStats.objects.get(server_id=server.pk, rating_key=9057)
    assert (stats.plays, stats.users, stats.watch_time) == (1, 1, 600)
    assert (stats.plays_current, stats.last_watched_current) == (0, None)
    assert not MediaWatchStats.objects.filter(rating_key=57).exists()


def rows_parent(server, rating_key: int) -> int:
    return LibraryMedia.objects.get(server=server, rating_key=rating_key).parent_rating_key


def test_a_refresh_of_one_library_leaves_the_others(server, pms):
    _refresh(server, FIRST)
    pms.edits.removed.update({"55", "158"})
    music = baker.make(Library, server=server, section_id=3, section_name="Music")
    summary = _refresh(server, SECOND, library=music)
    assert (summary["sections"], summary["items"], summary["removed"]) == (1, 5, 1)
    rows = _rows(server)
    assert rows[158].removed_at == SECOND and rows[55].removed_at is None


def test_a_server_that_is_down_raises_one_line_and_writes_nothing(server, pms):
    _refresh(server, FIRST)
    before = _values(server)
    pms.edits.removed.update({"55", "56"})  # section 1 would lose two movies...
    pms.route("/library/sections/3/all", "<html>oops</html>", status=500)  # ...but 3 fails
    with pytest.raises(PlexUnavailable) as error:
        _refresh(server, SECOND)
    assert "500" in str(error.value) and "\n" not in str(error.value)
    pms.stop()
    clear_cache()  # a later run: no kept-alive connection to the stopped server
    summary = refresh_all_inventories()
    assert summary["servers"] == 0 and len(summary["errors"]) == 1
    assert "Unreachable" in summary["errors"][0] and "\n" not in summary["errors"][0]
    assert _values(server) == before


def test_the_command_reports_one_line_and_fails_when_pms_is_down(server, pms, capsys):
    call_command("refresh_library_media")
    assert "18 items on 1 server(s); 18 written" in capsys.readouterr().out
    pms.stop()
    clear_cache()
    with pytest.raises(CommandError) as error:
        call_command("refresh_library_media", "--server", "Home")
    assert "\n" not in str(error.value) and "Home" in str(error.value)


def test_the_refresh_is_scheduled_every_12_hours(server):
    row = Schedule.objects.get(name="Refresh library media")
    assert (row.func, row.schedule_type, row.minutes, row.repeats) == (
        "plex.tasks.refresh_library_media",
        Schedule.MINUTES,
        720,
        -1,
    )
    assert tasks.refresh_library_media()["items"] == 18


def test_the_admin_action_refreshes_the_selected_libraries(admin_client, server, pms):
    movies = baker.make(Library, server=server, section_id=1, section_name="Movies")
    url = reverse("admin:libraries_library_changelist")
    response = admin_client.post(
        url, {"action": "refresh_inventory", "_selected_action": [movies.pk]}, follow=True
    )
    text = response.content.decode()
    assert "Movies: 5 items, 5 written, 0 marked removed" in text
    assert sorted(LibraryMedia.objects.values_list("rating_key", flat=True)) == [
        55,
        56,
        57,
        108,
        13194,
    ]
    pms.stop()
    clear_cache()
    response = admin_client.post(
        url, {"action": "refresh_inventory", "_selected_action": [movies.pk]}, follow=True
    )
    assert "Movies: Unreachable" in response.content.decode()


def test_a_section_search_is_read_page_by_page_as_raw_elements(server, pms, monkeypatch):
    monkeypatch.setattr("plex.inventory.CONTAINER_SIZE", 2)
    summary = _refresh(server, FIRST)
    assert (summary["items"], summary["written"]) == (18, 18)
    episodes = [
        r
        for r in pms.requests
        if r.path == "/library/sections/2/all" and r.query.get("type") == "4"
    ]
    assert [r.headers["x-plex-container-start"] for r in episodes] == ["0", "2"]
    assert {r.headers["x-plex-container-size"] for r in episodes} == {"2"}
    assert {r.query["includeGuids"] for r in episodes} == {"1"}
    assert sorted(_rows(server)) == ALL_KEYS
    assert _rows(server)[13194].imdb_id == "tt2294629"  # its <Guid> tags, on the second page


def test_an_answer_without_total_size_is_read_until_a_page_is_not_full(server, pms, monkeypatch):
    monkeypatch.setattr("plex.inventory.CONTAINER_SIZE", 2)
    whole = requests.get(
        f"{pms.url}/library/sections/1/all?type=1", headers={"X-Plex-Token": pms.token}, timeout=5
    ).text
    assert "totalSize" not in whole and whole.count("<Video") == 5
    # Another content type: the fake does not page it (a server ignoring the window).
    pms.route("/library/sections/1/all", whole, content_type="text/xml")
    pms.requests.clear()
    summary = _refresh(server, FIRST)
    assert (summary["items"], summary["written"]) == (18, 18)
    assert [r.path for r in pms.requests].count("/library/sections/1/all") == 1


@pytest.fixture
def generated():
    with FakePlexServer() as fake:
        fake.library = add_generated_library(fake, 400)
        yield fake


def test_a_generated_library_is_read_whole_and_then_incrementally(generated, monkeypatch):
    monkeypatch.setattr("plex.inventory.CONTAINER_SIZE", 64)  # pages end inside each type
    library = generated.library
    server = baker.make(Server, url=generated.url, token=generated.token, is_active=True)
    assert (
        library.counts
        == {
            "movie": 78,
            "show": 2,
            "season": 8,
            "episode": 160,
            "artist": 2,
            "album": 10,
            "track": 140,
        }
        and sum(library.counts.values()) == len(library.rating_keys) == 400
    )
    summary = _refresh(server, FIRST)
    assert (summary["sections"], summary["items"], summary["written"]) == (3, 400, 400)
    rows = _rows(server)
    assert sorted(rows) == sorted(library.rating_keys)
    movie = rows[library.rating_keys[0]]
    assert (movie.media_type, movie.title, movie.imdb_id, movie.tmdb_id) == (
        "movie",
        "Movie 1",
        "tt0001000",
        "1000",  # tmdb://0001000: a number, stored without its leading zeros
    )
    assert movie.file_size == 700_000_000 + movie.rating_key
    episode = LibraryMedia.objects.get(
        server=server,
        media_type="episode",
        title="Episode 3",
        parent_title="Season 2",
        grandparent_title="Show 2",
    )
    season = rows[episode.parent_rating_key]
    assert (season.media_type, season.media_index, season.parent_rating_key) == (
        "season",
        2,
        episode.grandparent_rating_key,
    )
    assert (episode.media_index, episode.parent_media_index) == (3, 2)

    with CaptureQueriesContext(connection) as queries:
        assert _refresh(server, SECOND)["written"] == 0
    assert _writes(queries.captured_queries) == []

    touched, removed = library.rating_keys[5], library.rating_keys[-1]
    library.touch(touched, updated_at=1_800_000_000)
    library.remove(removed)
    summary = _refresh(server, SECOND + dt.timedelta(days=1))
    assert (summary["items"], summary["written"], summary["removed"]) == (399, 1, 1)
    rows = _rows(server)
    assert rows[touched].updated_at == dt.datetime.fromtimestamp(1_800_000_000, tz=dt.UTC)
    assert rows[removed].removed_at is not None and rows[touched].removed_at is None
