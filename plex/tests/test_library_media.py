"""The library inventory read from a (fake) PMS through real plexapi: every movie, episode and
track with its added date and size (what library growth counts), its command and schedule."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.models import Schedule
from model_bakery import baker

from libraries.models import LibraryMedia
from plex import tasks
from plex.client import clear_cache
from plex.library_media import refresh_library_media
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_section_contents
from servers.models import Server

pytestmark = pytest.mark.django_db

PART = 13400382  # bytes of each recorded movie/episode part
TRACK_PART = 100262


# --- the inventory from PMS --------------------------------------------------------------------


@pytest.fixture
def pms():
    with FakePlexServer() as fake:
        fake.removed = add_section_contents(fake)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="Home", url=pms.url, token=pms.token, is_active=True)


def _inventory(server):
    return {
        row[0]: row[1:]
        for row in LibraryMedia.objects.filter(server=server).values_list(
            "rating_key", "section_id", "media_type", "title", "added_at", "file_size"
        )
    }


def test_refresh_stores_every_movie_episode_and_track_with_sizes(server):
    summary = refresh_library_media()
    assert summary == {"servers": 1, "items": 10, "deleted": 0, "errors": []}
    rows = _inventory(server)
    assert sorted(rows) == [55, 56, 57, 90, 91, 92, 108, 158, 159, 160]
    assert rows[108] == (
        1,
        "movie",
        "Interstate 60",
        dt.datetime.fromtimestamp(1579514268, tz=dt.UTC),
        PART,
    )
    assert rows[90][:3] == (2, "episode", "Pilot")
    assert rows[90][3] == dt.datetime.fromtimestamp(1579514154, tz=dt.UTC)
    assert rows[158][:2] == (3, "track") and rows[158][4] == TRACK_PART


def test_a_removed_item_is_deleted_and_a_second_refresh_changes_nothing_else(server, pms):
    refresh_library_media()
    before = _inventory(server)
    pms.removed.update({"56", "91"})
    summary = refresh_library_media(server)
    assert (summary["items"], summary["deleted"], summary["errors"]) == (8, 2, [])
    after = _inventory(server)
    assert sorted(after) == sorted(set(before) - {56, 91})
    assert all(after[key] == before[key] for key in after)


def test_a_server_that_is_down_keeps_its_inventory(server, pms, caplog):
    refresh_library_media()
    before = _inventory(server)
    pms.removed.update({"55", "56", "57", "108"})
    pms.stop()
    clear_cache()  # a later run: no kept-alive connection to the stopped server
    summary = refresh_library_media()
    assert summary["servers"] == 0 and len(summary["errors"]) == 1
    assert "Unreachable" in summary["errors"][0]
    assert _inventory(server) == before
    assert "Library media refresh of Home failed" in caplog.text


def test_a_section_that_fails_to_list_changes_no_section(server, pms):
    refresh_library_media()
    before = _inventory(server)
    pms.removed.update({"55", "56"})  # section 1 would lose two movies...
    pms.route("/library/sections/2/all", "<html>oops</html>", status=500)  # ...but 2 fails
    summary = refresh_library_media()
    assert summary["servers"] == 0 and "500" in summary["errors"][0]
    assert _inventory(server) == before


def test_the_command_reports_one_line_and_fails_when_pms_is_down(server, pms, capsys):
    call_command("refresh_library_media")
    assert "10 items on 1 server(s)" in capsys.readouterr().out
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
    assert tasks.refresh_library_media()["items"] == 10
