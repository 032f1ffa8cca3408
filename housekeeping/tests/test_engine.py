"""Rules become one query; its matches become candidates with traces (housekeeping.engine).

Every test runs at the frozen "now" of the project's conftest (2026-11-22 10:30 UTC).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from housekeeping.engine import EvaluationError, evaluate, preview, test_item
from housekeeping.fields import validate_rule
from housekeeping.models import Candidate, Exclusion, MediaService, Rule, RuleSet
from housekeeping.pressure import effective_grace_days
from libraries.models import Library, LibraryMedia, RatingKeyChange
from libraries.rollups import roll_up_sizes
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db

GB = 1024**3
DAY = dt.timedelta(days=1)


@pytest.fixture
def server():
    return baker.make(Server, name="Home")


@pytest.fixture
def movies(server):
    return baker.make(
        Library, server=server, section_id=1, section_name="Movies", section_type="movie"
    )


@pytest.fixture
def alice():
    return baker.make(User, user_id=101, username="alice")


@pytest.fixture
def bob():
    return baker.make(User, user_id=102, username="bob")


def movie(server, key, *, added_days_ago, size_gb=1, section_id=1, **fields):
    return baker.make(
        LibraryMedia,
        server=server,
        section_id=section_id,
        rating_key=key,
        media_type="movie",
        title=fields.pop("title", f"Movie {key}"),
        added_at=FROZEN_NOW - added_days_ago * DAY,
        file_size=size_gb * GB,
        total_file_size=size_gb * GB,
        leaf_count=1,
        **fields,
    )


def play(server, user, key, *, days_ago, **fields):
    return bake_play(
        server,
        user,
        stopped=FROZEN_NOW - days_ago * DAY,
        seconds=3600,
        rating_key=key,
        media_type=fields.pop("media_type", "movie"),
        section_id=fields.pop("section_id", 1),
        **fields,
    )


def rule_set(libraries, rules, **settings):
    rs = baker.make(RuleSet, name=settings.pop("name", "Old movies"), **settings)
    rs.libraries.set(libraries)
    for position, entry in enumerate(rules):
        users = entry.pop("users", [])
        rule = Rule.objects.create(rule_set=rs, position=position, **entry)
        rule.users.set(users)
    return rs


OLD_UNWATCHED = [
    {"field": "added_at", "operator": "more_than_days_ago", "value": 90},
    {"field": "last_watched", "operator": "not_in_last_days", "value": 60},
]


def candidates(rs):
    return {c.item.rating_key: c for c in Candidate.objects.filter(rule_set=rs)}


def test_old_unwatched_movies_become_candidates_with_traces(server, movies, alice):
    movie(server, 1, added_days_ago=200, size_gb=4)  # never watched: a candidate
    movie(server, 2, added_days_ago=200)  # watched 10 days ago: kept
    movie(server, 3, added_days_ago=30)  # too new
    movie(server, 4, added_days_ago=300, size_gb=2)  # watched 100 days ago: a candidate
    movie(server, 5, added_days_ago=300, section_id=2)  # another library
    play(server, alice, 2, days_ago=10)
    play(server, alice, 4, days_ago=100)
    rs = rule_set([movies], [dict(e) for e in OLD_UNWATCHED], grace_days=30)

    result = evaluate(rs)

    found = candidates(rs)
    assert set(found) == {1, 4}
    assert result.matched == 2 and len(result.added) == 2 and result.size == 6 * GB
    four = found[4]
    assert four.status == Candidate.PENDING
    assert abs(four.first_matched_at - FROZEN_NOW) < dt.timedelta(minutes=1)
    assert four.due_at - four.first_matched_at == 30 * DAY
    assert four.size == 2 * GB
    added, watched = four.trace
    assert added["field"] == "added_at" and added["result"] is True
    assert added["actual"].startswith((FROZEN_NOW - 300 * DAY).date().isoformat())
    assert watched["label"] == "Last watched (any user)"
    assert watched["actual"].startswith((FROZEN_NOW - 100 * DAY).date().isoformat())
    assert watched["result"] is True
    assert found[1].trace[1]["actual"] is None  # never watched


def test_candidates_that_stop_matching_leave_the_list_and_kept_ones_stay(
    server, movies, alice, clock
):
    movie(server, 1, added_days_ago=200)
    movie(server, 2, added_days_ago=200)
    movie(server, 3, added_days_ago=200)
    rs = rule_set([movies], [dict(e) for e in OLD_UNWATCHED])
    evaluate(rs)
    Candidate.objects.filter(item__rating_key=3).update(status=Candidate.KEPT)
    first = candidates(rs)[2].first_matched_at

    play(server, alice, 1, days_ago=0)  # watched again: no longer a candidate
    play(server, alice, 3, days_ago=0)  # kept: stays kept whatever happens
    clock.shift(3600)
    result = evaluate(rs)

    found = candidates(rs)
    assert set(found) == {2, 3}
    assert found[3].status == Candidate.KEPT
    assert found[2].first_matched_at == first  # still the date it first matched
    assert result.removed == 1 and result.added == []


def test_sections_combine_left_to_right_with_and_or(server, movies):
    movie(server, 1, added_days_ago=10, year=1990)
    movie(server, 2, added_days_ago=10, year=2020, genres="|Horror|")
    movie(server, 3, added_days_ago=500, year=2020)
    movie(server, 4, added_days_ago=10, year=2020)
    # (year < 2000) OR (genres contains horror) OR (added > 365 days ago AND year >= 2020)
    rs = rule_set(
        [movies],
        [
            {"section": 1, "field": "year", "operator": "lt", "value": 2000},
            {
                "section": 2,
                "join": "or",
                "field": "genres",
                "operator": "contains_any",
                "value": ["horror"],
            },
            {
                "section": 3,
                "join": "or",
                "field": "added_at",
                "operator": "more_than_days_ago",
                "value": 365,
            },
            {"section": 3, "join": "and", "field": "year", "operator": "gte", "value": 2020},
        ],
    )
    evaluate(rs)
    assert set(candidates(rs)) == {1, 2, 3}


def test_list_operators_count_and_case(server, movies):
    movie(server, 1, added_days_ago=1, labels="|Keep|Kids|")
    movie(server, 2, added_days_ago=1, labels="|Kids|")
    movie(server, 3, added_days_ago=1, labels="")
    none_of = rule_set(
        [movies], [{"field": "labels", "operator": "contains_none", "value": ["KEEP"]}]
    )
    all_of = rule_set(
        [movies],
        [{"field": "labels", "operator": "contains_all", "value": ["keep", "kids"]}],
        name="all",
    )
    counted = rule_set(
        [movies], [{"field": "labels", "operator": "count_lt", "value": 1}], name="count"
    )
    for rs in (none_of, all_of, counted):
        evaluate(rs)
    assert set(candidates(none_of)) == {2, 3}
    assert set(candidates(all_of)) == {1}
    assert set(candidates(counted)) == {3}
    assert candidates(all_of)[1].trace[0]["actual"] == ["Keep", "Kids"]
    assert candidates(counted)[3].trace[0]["actual"] == 0


def test_per_user_last_watched_and_watched_by_all(server, movies, alice, bob):
    movie(server, 1, added_days_ago=100)
    movie(server, 2, added_days_ago=100)
    movie(server, 3, added_days_ago=100)
    play(server, alice, 1, days_ago=5)
    play(server, bob, 1, days_ago=50)
    play(server, alice, 2, days_ago=80)
    play(server, bob, 3, days_ago=1)
    by_all = rule_set(
        [movies],
        [{"field": "watched_by_all", "operator": "is_true", "users": [alice, bob]}],
    )
    alice_not_lately = rule_set(
        [movies],
        [
            {
                "field": "last_watched_by",
                "operator": "not_in_last_days",
                "value": 30,
                "users": [alice],
            }
        ],
        name="alice",
    )
    evaluate(by_all)
    evaluate(alice_not_lately)
    assert set(candidates(by_all)) == {1}
    assert set(candidates(alice_not_lately)) == {2, 3}  # 80 days ago, and never
    started = FROZEN_NOW - 80 * DAY - dt.timedelta(seconds=3600)
    assert candidates(alice_not_lately)[2].trace[0]["actual"] == started.isoformat()

    # Alice watched movie 3 two days ago under the key PMS gave it before it was re-added.
    RatingKeyChange.objects.create(
        server=server, old_rating_key=9, new_rating_key=3, changed_at=FROZEN_NOW - 3 * DAY
    )
    play(server, alice, 9, days_ago=2)
    evaluate(by_all)
    evaluate(alice_not_lately)
    assert set(candidates(by_all)) == {1, 3}
    assert set(candidates(alice_not_lately)) == {2}


def test_an_excluded_show_keeps_its_seasons_and_episodes(server):
    tv = baker.make(Library, server=server, section_id=2, section_name="TV", section_type="show")
    common = dict(server=server, section_id=2, added_at=FROZEN_NOW - 400 * DAY)
    baker.make(LibraryMedia, rating_key=10, media_type="show", title="Show A", **common)
    baker.make(
        LibraryMedia,
        rating_key=11,
        media_type="season",
        parent_rating_key=10,
        media_index=1,
        **common,
    )
    baker.make(
        LibraryMedia,
        rating_key=12,
        media_type="episode",
        parent_rating_key=11,
        grandparent_rating_key=10,
        file_size=GB,
        **common,
    )
    baker.make(LibraryMedia, rating_key=20, media_type="show", title="Show B", **common)
    baker.make(
        LibraryMedia,
        rating_key=21,
        media_type="season",
        parent_rating_key=20,
        media_index=1,
        **common,
    )
    baker.make(
        LibraryMedia,
        rating_key=22,
        media_type="episode",
        parent_rating_key=21,
        grandparent_rating_key=20,
        file_size=GB,
        **common,
    )
    roll_up_sizes(server.pk)
    seasons = rule_set(
        [tv],
        [{"field": "added_at", "operator": "more_than_days_ago", "value": 1}],
        scope="season",
        name="seasons",
    )
    episodes = rule_set(
        [tv],
        [{"field": "added_at", "operator": "more_than_days_ago", "value": 1}],
        scope="episode",
        name="episodes",
    )
    Exclusion.objects.create(server=server, rating_key=10, title="Show A")  # all rule sets

    evaluate(seasons)
    evaluate(episodes)

    assert set(candidates(seasons)) == {21}
    assert set(candidates(episodes)) == {22}
    assert candidates(seasons)[21].size == GB  # rolled up from its episode


def test_a_failed_service_listing_stops_the_evaluation_and_changes_nothing(server):
    tv = baker.make(Library, server=server, section_id=2, section_type="show")
    baker.make(
        LibraryMedia, server=server, section_id=2, rating_key=10, media_type="show", tvdb_id="81189"
    )
    rs = rule_set(
        [tv], [{"field": "show_status", "operator": "is", "value": "ended"}], scope="show"
    )
    sonarr = baker.make(MediaService, kind=MediaService.SONARR, name="TV", url="http://x")
    sonarr.media.create(external_id=1, media_type="show", tvdb_id="81189", status="ended")
    evaluate(rs)
    assert set(candidates(rs)) == {10}
    assert candidates(rs)[10].trace[0]["actual"] == "ended"

    MediaService.objects.filter(pk=sonarr.pk).update(sync_error="connection refused")
    with pytest.raises(EvaluationError, match="TV"):
        evaluate(rs)
    assert set(candidates(rs)) == {10}  # not "gone"


def test_disk_pressure_shortens_the_grace_period(server, movies):
    movie(server, 1, added_days_ago=200, size_gb=95)
    Library.objects.filter(pk=movies.pk).update(disk_capacity=100 * GB)
    rs = rule_set(
        [movies],
        [{"field": "added_at", "operator": "more_than_days_ago", "value": 1}],
        grace_days=60,
        pressure_tiers=[
            {"free_below_percent": 10, "grace_days": 30},
            {"free_below_percent": 6, "grace_days": 7},
        ],
    )
    assert effective_grace_days(rs) == 7  # 5 % free
    assert effective_grace_days(rs, free=8) == 30
    assert effective_grace_days(rs, free=50) == 60
    evaluate(rs)
    candidate = candidates(rs)[1]
    assert candidate.due_at - candidate.first_matched_at == 7 * DAY


def test_test_item_and_preview(server, movies, alice):
    movie(server, 1, added_days_ago=200, size_gb=3, title="Big")
    movie(server, 2, added_days_ago=200, size_gb=1)
    recent = movie(server, 3, added_days_ago=10)
    rs = rule_set([movies], [dict(e) for e in OLD_UNWATCHED])

    shown = preview(rs)
    assert (shown.count, shown.size) == (2, 4 * GB)
    assert shown.sample[0].title == "Big"
    assert not Candidate.objects.exists()  # a preview writes nothing

    checked = test_item(rs, recent)
    assert checked.matched is False
    assert [step["result"] for step in checked.trace] == [False, True]


def test_rule_values_are_checked_with_clear_messages():
    assert validate_rule("plays", "lt", "2", "movie") == 2
    assert validate_rule("labels", "contains_any", "keep, kids", "movie") == ["keep", "kids"]
    assert validate_rule("added_at", "before", "2026-01-31", "movie") == "2026-01-31"
    with pytest.raises(ValidationError, match="not a number"):
        validate_rule("plays", "lt", "many", "movie")
    with pytest.raises(ValidationError, match="does not apply"):
        validate_rule("show_status", "is", "ended", "movie")
    with pytest.raises(ValidationError, match="choose at least one user"):
        validate_rule("last_watched_by", "in_last_days", 3, "movie")
    with pytest.raises(ValidationError, match="not a date"):
        validate_rule("added_at", "before", "last week", "movie")
