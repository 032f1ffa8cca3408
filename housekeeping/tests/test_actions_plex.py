"""Acting through Plex (plex.housekeeping.delete_item, real plexapi against the fake PMS) when
no Radarr/Sonarr has the item — and never when a Radarr/Sonarr lookup failed."""

import datetime as dt

import pytest
import time_machine
from model_bakery import baker

from housekeeping.actions import act_on
from housekeeping.models import Candidate, RuleSet
from libraries.models import LibraryMedia
from plex.testing import FakePlexServer
from plex.testing.inventory_library import FIRST_RATING_KEY, add_generated_library
from servers.models import Server

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
MOVIE = FIRST_RATING_KEY


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pms():
    with FakePlexServer() as fake:
        fake.library = add_generated_library(fake, 20)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="Home", url=pms.url, token=pms.token, is_active=True)


def _candidate(server, *, rating_key=MOVIE, **rule_set_fields):
    item = baker.make(
        LibraryMedia,
        server=server,
        section_id=1,
        media_type="movie",
        rating_key=rating_key,
        title="Movie 1",
        tmdb_id="949",
        file_paths=["/media/movies/Movie 1.mkv"],
        total_file_size=1000,
    )
    rule_set = baker.make(RuleSet, dry_run=False, action=RuleSet.ACTION_DELETE, **rule_set_fields)
    return Candidate.objects.create(
        rule_set=rule_set,
        item=item,
        first_matched_at=NOW,
        last_matched_at=NOW,
        due_at=NOW,
    )


def _plex_writes(pms):
    return [(r.method, r.path) for r in pms.requests if r.method != "GET"]


def test_movie_radarr_does_not_have_is_deleted_through_plex(
    server, pms, fake_radarr, radarr_service
):
    c = _candidate(server)

    log = act_on(c, actor_label="schedule")

    assert log.status == "done" and log.target == "plex"
    assert _plex_writes(pms) == [("DELETE", f"/library/metadata/{MOVIE}")]
    assert [(r["service"], r["method"]) for r in log.requests] == [
        ("radarr:Main", "GET"),
        ("plex", "DELETE"),
    ]
    assert pms.token not in str(log.requests)
    c.refresh_from_db()
    assert c.status == Candidate.ACTED


def test_plex_deletion_not_allowed_fails_with_the_reason(server, pms):
    pms.allow_media_deletion = False
    c = _candidate(server)

    log = act_on(c, actor_label="schedule")

    assert log.status == "failed" and "Allow media deletion" in log.result
    assert _plex_writes(pms) == []
    c.refresh_from_db()
    assert c.status == Candidate.FAILED and "Allow media deletion" in c.reason


def test_item_plex_no_longer_has_is_already_gone(server, pms):
    log = act_on(_candidate(server, rating_key=999_999), actor_label="schedule")
    assert log.status == "done" and "already gone" in log.result


def test_radarr_down_never_falls_back_to_plex(server, pms, fake_radarr, radarr_service):
    fake_radarr.stop()
    c = _candidate(server)

    log = act_on(c, actor_label="schedule")

    assert log.status == "failed" and log.result == "radarr:Main: cannot connect"
    assert _plex_writes(pms) == []
    assert not any(r.path.startswith("/library/metadata") for r in pms.requests)


def test_radarr_error_never_falls_back_to_plex(server, pms, fake_radarr, radarr_service):
    fake_radarr.fail = 500
    log = act_on(_candidate(server), actor_label="schedule")
    assert log.status == "failed" and log.result.startswith("radarr:Main: ")
    assert _plex_writes(pms) == []
