"""Data and clients shared by the housekeeping admin's tests (no tests here).

:func:`make_review_data`: the inventory of :func:`stats.tests.test_admin_inventory.
make_inventory` (Heat, Alien, Brazil, Gone; The Wire with two seasons of two episodes), a
movies rule set and a shows rule set, and candidates for Alien, Brazil (movies) and The Wire
with its Season 1 and an episode (shows). Users: ``admin`` (superuser), ``viewer`` (staff who
may view housekeeping, not act), ``reviewer`` (staff who may view and act).
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from conftest import FROZEN_NOW
from housekeeping.models import ActionLog, Candidate, Exclusion, MediaService, Rule, RuleSet
from libraries.models import LibraryMedia
from stats.tests.test_admin_inventory import make_inventory

GB = 1024**3
TRACE = [
    {"section": 1, "join": "and", "field": "added_at", "label": "Date added",
     "operator": "more_than_days_ago", "value": 90, "actual": "2025-10-18", "result": True},
    {"section": 1, "join": "and", "field": "last_watched", "label": "Last watched",
     "operator": "more_than_days_ago", "value": 60, "actual": None, "result": True},
]  # fmt: skip
VIEW_PERMS = [
    f"view_{model}"
    for model in ("candidate", "ruleset", "rule", "actionlog", "exclusion", "mediaservice")
]


def staff(username: str, *, act: bool) -> object:
    user = get_user_model().objects.create_user(username, password="pw-12345", is_staff=True)
    codenames = [*VIEW_PERMS, *(["act_on_candidates", "change_ruleset"] if act else [])]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="housekeeping", codename__in=codenames)
    )
    return user


def candidate(rule_set, item, *, due_days=10, status=Candidate.PENDING, **fields) -> Candidate:
    return Candidate.objects.create(
        rule_set=rule_set,
        item=item,
        status=status,
        first_matched_at=FROZEN_NOW - dt.timedelta(days=5),
        last_matched_at=FROZEN_NOW,
        due_at=FROZEN_NOW + dt.timedelta(days=due_days),
        size=fields.pop("size", item.total_file_size),
        trace=fields.pop("trace", TRACE),
        **fields,
    )


def make_review_data() -> dict:
    data = make_inventory()
    movies = RuleSet.objects.create(name="Old movies", scope="movie", grace_days=30)
    movies.libraries.set([data["movies"]])
    Rule.objects.create(rule_set=movies, field="added_at", operator="more_than_days_ago", value=90)
    shows = RuleSet.objects.create(name="Old shows", scope="show", grace_days=30)
    shows.libraries.set([data["tv"]])
    items = {item.rating_key: item for item in LibraryMedia.objects.all()}
    data.update(
        movies_rules=movies,
        shows_rules=shows,
        items=items,
        alien=candidate(movies, items[2], due_days=3),
        brazil=candidate(movies, items[3], due_days=12),
        wire=candidate(shows, items[100], due_days=20),
        season=candidate(shows, items[110], due_days=20),
        episode=candidate(shows, items[111], due_days=20),
    )
    return data


@pytest.fixture
def review(db):
    return make_review_data()


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def viewer_client(db):
    client = Client()
    client.force_login(staff("viewer", act=False))
    return client


@pytest.fixture
def reviewer_client(db):
    client = Client()
    user = staff("reviewer", act=True)
    client.force_login(user)
    client.user = user
    return client


__all__ = [
    "ActionLog",
    "Candidate",
    "Exclusion",
    "GB",
    "MediaService",
    "admin_client",
    "candidate",
    "make_review_data",
    "review",
    "reviewer_client",
    "staff",
    "viewer_client",
]
