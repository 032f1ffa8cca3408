"""A rule set's run from end to end: the inventory read from a (fake) Plex server through plexapi,
plays in the history, the rules evaluated, the "leaving soon" collection kept in step on the
server, and due candidates acted on."""

import datetime as dt

import pytest
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from housekeeping.models import Candidate, Rule, RuleSet
from housekeeping.tasks import run_rule_set
from libraries.models import Library, LibraryMedia
from plex.inventory import refresh_inventory
from plex.sync import sync_libraries
from plex.testing import FakePlexServer
from plex.testing.collection_writes import add_collection_writes
from plex.testing.inventory_library import MOVIE_SECTION, add_generated_library
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db

LEAVING = "Leaving soon"


@pytest.fixture
def pms():
    with FakePlexServer() as fake:
        fake.library = add_generated_library(fake, 400)
        fake.collections = add_collection_writes(fake)
        yield fake


@pytest.fixture
def server(pms):
    server = baker.make(Server, name="Home", url=pms.url, token=pms.token, is_active=True)
    sync_libraries([server])
    refresh_inventory(server)
    return server


@pytest.fixture
def movies(server):
    return Library.objects.get(server=server, section_id=MOVIE_SECTION)


def old_unwatched(libraries, **settings):
    rs = RuleSet.objects.create(name="Old unwatched movies", scope="movie", **settings)
    rs.libraries.set(libraries)
    Rule.objects.create(
        rule_set=rs, position=0, field="added_at", operator="more_than_days_ago", value=90
    )
    Rule.objects.create(
        rule_set=rs, position=1, field="last_watched", operator="not_in_last_days", value=60
    )
    return rs


def movie_keys(server):
    return list(
        LibraryMedia.objects.filter(server=server, media_type="movie")
        .order_by("rating_key")
        .values_list("rating_key", flat=True)
    )


def collection_members(pms):
    members = pms.collections.members
    return sorted(int(key) for key in next(iter(members.values()))) if members else None


def test_a_run_names_candidates_and_keeps_the_leaving_soon_collection_in_step(server, movies, pms):
    keys = movie_keys(server)
    assert len(keys) >= 3
    alice = baker.make(User, user_id=5, username="alice")
    bake_play(
        server,
        alice,
        stopped=FROZEN_NOW - dt.timedelta(days=3),
        seconds=3600,
        rating_key=keys[0],
        media_type="movie",
        section_id=MOVIE_SECTION,
    )
    rs = old_unwatched([movies], leaving_soon_collection=LEAVING)

    outcome = run_rule_set(rs.pk, act=False)

    assert outcome["matched"] == len(keys) - 1
    named = sorted(Candidate.objects.filter(rule_set=rs).values_list("item__rating_key", flat=True))
    assert named == keys[1:]
    assert collection_members(pms) == keys[1:]
    assert RuleSet.objects.get(pk=rs.pk).last_run["added"] == len(keys) - 1

    # Another movie is watched: it leaves the candidates and the collection.
    bake_play(
        server,
        alice,
        stopped=FROZEN_NOW - dt.timedelta(days=1),
        seconds=3600,
        rating_key=keys[1],
        media_type="movie",
        section_id=MOVIE_SECTION,
    )
    run_rule_set(rs.pk, act=False)
    assert collection_members(pms) == keys[2:]


def test_an_inactive_rule_set_does_not_run_on_its_schedule(server, movies):
    rs = old_unwatched([movies], is_active=False)
    assert run_rule_set(rs.pk) == {"skipped": "inactive"}
    assert not Candidate.objects.exists()


def test_dry_run_records_then_a_live_run_deletes_through_radarr_or_plex(
    server, movies, pms, fake_radarr, radarr_service
):
    """The issue's "done when": a dry run records what it would delete and sends nothing;
    switched off, the run deletes the movie Radarr has through Radarr and the others through
    Plex, and writes the audit."""
    from housekeeping.models import ActionLog

    keys = movie_keys(server)
    first = LibraryMedia.objects.get(server=server, rating_key=keys[0])
    assert first.tmdb_id
    fake_radarr.add_movie(first.title, first.tmdb_id, size=first.file_size or 1000)
    rs = old_unwatched([movies], grace_days=0)

    outcome = run_rule_set(rs.pk)

    assert outcome["acted"] == len(keys) and outcome["failed"] == 0
    assert fake_radarr.sent("write") == [] and pms.deleted == []
    dry = ActionLog.objects.filter(rule_set=rs)
    assert dry.count() == len(keys) and set(dry.values_list("status", flat=True)) == {"dry_run"}
    radarr_log = dry.get(rating_key=keys[0])
    assert radarr_log.target == "radarr:Main" and radarr_log.actor_label == "schedule"
    assert radarr_log.trace and radarr_log.requests  # what it would have sent, and why
    assert set(Candidate.objects.filter(rule_set=rs).values_list("status", flat=True)) == {
        Candidate.PENDING
    }

    RuleSet.objects.filter(pk=rs.pk).update(dry_run=False)
    outcome = run_rule_set(rs.pk)

    assert outcome["acted"] == len(keys) and outcome["failed"] == 0
    assert [(r["method"], r["path"]) for r in fake_radarr.sent("write")][0][0] == "DELETE"
    assert sorted(int(key) for key in pms.deleted) == keys[1:]
    done = ActionLog.objects.filter(rule_set=rs, status="done")
    assert done.count() == len(keys)
    assert done.get(rating_key=keys[0]).target == "radarr:Main"
    assert set(done.exclude(rating_key=keys[0]).values_list("target", flat=True)) == {"plex"}
    assert set(Candidate.objects.filter(rule_set=rs).values_list("status", flat=True)) == {
        Candidate.ACTED
    }

    # Nothing is deleted twice: the next run finds nothing due.
    again = run_rule_set(rs.pk)
    assert again["acted"] == 0 and len(pms.deleted) == len(keys) - 1
