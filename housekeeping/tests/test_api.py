"""/api/housekeeping (REST): rule sets with counts and reclaimable bytes, candidates listed,
filtered and paged with their traces and watch statistics (no N+1), the audit, and the keep /
postpone / act actions, each audited; the API key is required."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from housekeeping.models import ActionLog, Candidate, Exclusion, RuleSet
from libraries.models import LibraryMedia
from stats.tests.inventory_data import GB, build_inventory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC)  # conftest.FROZEN_NOW
TRACE = [
    {
        "section": 1,
        "join": "and",
        "field": "added_at",
        "label": "Added",
        "operator": "more_than_days_ago",
        "value": 90,
        "actual": "2025-09-27",
        "result": True,
    }
]


def candidate(rule_set, rating_key, *, days_due, server=None, status=Candidate.PENDING, size=None):
    item = LibraryMedia.objects.get(rating_key=rating_key, **({"server": server} if server else {}))
    return Candidate.objects.create(
        rule_set=rule_set,
        item=item,
        status=status,
        first_matched_at=NOW - dt.timedelta(days=10),
        last_matched_at=NOW,
        due_at=NOW + dt.timedelta(days=days_due),
        size=item.total_file_size if size is None else size,
        trace=TRACE,
    )


def build_candidates():
    """The inventory of stats' tests plus two rule sets:

    * "Old movies" (movies, dry run): Big Movie (50, 8 GB, due in 2 days), Alien (51, 2 GB, due
      in 10 days), Zed (52, kept);
    * "Old TV" (shows): The Show (1, 4 GB, due in 1 day), its episode 11 (1 GB, due in 5 days).
    """
    data = build_inventory()
    movies = RuleSet.objects.create(name="Old movies", scope="movie", grace_days=30)
    movies.libraries.add(data["movies"])
    tv = RuleSet.objects.create(name="Old TV", scope="show", action="unmonitor", dry_run=False)
    tv.libraries.add(data["tv"])
    data.update(
        movies_rule=movies,
        tv_rule=tv,
        big=candidate(movies, 50, days_due=2),
        alien=candidate(movies, 51, days_due=10),
        zed=candidate(movies, 52, days_due=1, status=Candidate.KEPT, size=0),
        show=candidate(tv, 1, days_due=1),
        episode=candidate(tv, 11, days_due=5),
    )
    return data


@pytest.fixture
def data():
    return build_candidates()


@pytest.fixture
def rest_post(client, api_key):
    def call(path, body=None):
        response = client.post(
            path, body or {}, content_type="application/json", HTTP_X_API_KEY=api_key
        )
        return response.status_code, response.json()

    return call


def test_rule_sets_count_open_candidates_and_reclaimable_bytes(data, rest_get):
    status, body = rest_get("/api/housekeeping/rule-sets")
    assert status == 200
    rows = {row["name"]: row for row in body}
    movies = rows["Old movies"]
    assert movies["candidate_count"] == 2
    assert movies["status_counts"] == {"pending": 2, "kept": 1}
    assert movies["reclaimable_bytes"] == 10 * GB
    assert movies["library_ids"] == [data["movies"].pk]
    assert (movies["dry_run"], movies["action"], movies["scope"]) == (True, "delete", "movie")
    assert dt.datetime.fromisoformat(movies["next_due_at"]) == NOW + dt.timedelta(days=2)
    assert rows["Old TV"]["reclaimable_bytes"] == 5 * GB


def test_candidates_carry_item_trace_and_watch_statistics(data, rest_get):
    status, body = rest_get("/api/housekeeping/candidates", rule_set=data["movies_rule"].pk)
    assert status == 200 and body["count"] == 3
    rows = {row["item"]["rating_key"]: row for row in body["items"]}
    big = rows[50]
    assert big["id"] == data["big"].pk and big["rule_set"] == "Old movies"
    assert big["item"]["title"] == "Big Movie" and big["item"]["server_name"] == "Home"
    assert big["item"]["media_type"] == "movie" and big["size"] == 8 * GB
    assert big["trace"] == TRACE
    assert (big["plays"], big["users"], big["user_names"]) == (2, 2, ["Alice", "bob"])
    assert big["last_watched"] is not None and big["watch_time"] == 14000
    assert rows[52]["plays"] == 0 and rows[52]["last_watched"] is None
    assert "api_key" not in str(body)


def test_candidates_filter_sort_and_page(data, rest_get):
    def keys(**params):
        status, body = rest_get("/api/housekeeping/candidates", **params)
        assert status == 200, body
        return body["count"], [row["item"]["rating_key"] for row in body["items"]]

    assert keys() == (5, [52, 1, 50, 11, 51])  # due soonest first, then by id
    assert keys(status="pending", section_id=1) == (2, [50, 51])
    assert keys(server=data["server"].pk, rule_set=data["tv_rule"].pk) == (2, [1, 11])
    assert keys(sort="-size", rule_set=data["movies_rule"].pk) == (3, [50, 51, 52])
    assert keys(limit=2) == (5, [52, 1])
    assert keys(limit=2, offset=2) == (5, [50, 11])
    assert keys(limit=2, offset=4) == (5, [51])
    assert keys(server=999) == (0, [])
    status, body = rest_get("/api/housekeeping/candidates", status="gone")
    assert status == 422


def test_candidate_pages_read_in_a_fixed_number_of_queries(data, rest_get):
    rest_get("/api/housekeeping/candidates", limit=50)  # statistics synced once
    with CaptureQueriesContext(connection) as small:
        rest_get("/api/housekeeping/candidates", limit=2)
    with CaptureQueriesContext(connection) as large:
        rest_get("/api/housekeeping/candidates", limit=50)
    assert len(large) == len(small)


def test_one_candidate_and_404(data, rest_get):
    status, body = rest_get(f"/api/housekeeping/candidates/{data['show'].pk}")
    assert status == 200 and body["item"]["rating_key"] == 1 and body["status"] == "pending"
    status, body = rest_get("/api/housekeeping/candidates/999999")
    assert status == 404


def test_the_api_key_is_required(data, client):
    for path in ("rule-sets", "candidates", f"candidates/{data['big'].pk}", "actions"):
        assert client.get(f"/api/housekeeping/{path}").status_code == 401
    response = client.post(
        f"/api/housekeeping/candidates/{data['big'].pk}/keep", {}, content_type="application/json"
    )
    assert response.status_code == 401
    assert Candidate.objects.get(pk=data["big"].pk).status == Candidate.PENDING
    assert not ActionLog.objects.exists()


def test_keep_excludes_the_item_and_its_children_and_is_audited(data, rest_post, rest_get):
    status, body = rest_post(f"/api/housekeeping/candidates/{data['show'].pk}/keep")
    assert status == 200, body
    assert body["candidate"]["status"] == "kept"
    exclusion = Exclusion.objects.get()
    assert (exclusion.rating_key, exclusion.rule_set, exclusion.server) == (
        1,
        data["tv_rule"],
        data["server"],
    )
    assert Candidate.objects.get(pk=data["episode"].pk).status == Candidate.EXCLUDED
    audit = body["audit"]
    assert (audit["action"], audit["status"], audit["actor_label"]) == ("keep", "done", "api")
    assert audit["candidate_id"] == data["show"].pk and audit["rating_key"] == 1
    assert audit["trace"] == TRACE and "1 other candidate" in audit["result"]
    status, again = rest_post(f"/api/housekeeping/candidates/{data['show'].pk}/keep")
    assert status == 409
    status, page = rest_get("/api/housekeeping/actions", action="keep")
    assert page["count"] == 1 and page["items"][0]["id"] == audit["id"]


def test_keep_for_every_rule_set(data, rest_post):
    status, body = rest_post(
        f"/api/housekeeping/candidates/{data['alien'].pk}/keep", {"all_rule_sets": True}
    )
    assert status == 200
    assert Exclusion.objects.get().rule_set is None
    assert "every rule set" in body["audit"]["result"]


def test_postpone_moves_the_due_date_and_is_audited(data, rest_post):
    big = data["big"]
    status, body = rest_post(f"/api/housekeeping/candidates/{big.pk}/postpone", {"days": 7})
    assert status == 200, body
    big.refresh_from_db()
    assert big.status == Candidate.POSTPONED
    assert big.due_at == NOW + dt.timedelta(days=9)
    audit = body["audit"]
    assert (audit["action"], audit["status"]) == ("postpone", "done")
    assert dt.datetime.fromisoformat(body["candidate"]["due_at"]) == big.due_at
    for bad in ({"days": 0}, {"days": "soon"}, {}):
        status, _ = rest_post(f"/api/housekeeping/candidates/{big.pk}/postpone", bad)
        assert status == 422


def test_postponing_an_overdue_candidate_counts_from_now(data, rest_post):
    Candidate.objects.filter(pk=data["alien"].pk).update(due_at=NOW - dt.timedelta(days=3))
    rest_post(f"/api/housekeeping/candidates/{data['alien'].pk}/postpone", {"days": 2})
    due = Candidate.objects.get(pk=data["alien"].pk).due_at
    assert NOW + dt.timedelta(days=2) <= due < NOW + dt.timedelta(days=2, minutes=5)


def test_actions_on_closed_or_unknown_candidates(data, rest_post):
    status, _ = rest_post(f"/api/housekeeping/candidates/{data['zed'].pk}/postpone", {"days": 3})
    assert status == 409
    status, _ = rest_post("/api/housekeeping/candidates/999999/keep")
    assert status == 404
    assert not ActionLog.objects.exists()


def test_audit_filters(data, rest_post, rest_get):
    rest_post(f"/api/housekeeping/candidates/{data['big'].pk}/postpone", {"days": 1})
    rest_post(f"/api/housekeeping/candidates/{data['show'].pk}/keep")
    status, body = rest_get("/api/housekeeping/actions")
    assert status == 200 and body["count"] == 2
    assert [row["action"] for row in body["items"]] == ["keep", "postpone"]  # newest first
    assert rest_get("/api/housekeeping/actions", rule_set=data["movies_rule"].pk)[1]["count"] == 1
    assert rest_get("/api/housekeeping/actions", rating_key=1)[1]["items"][0]["action"] == "keep"
    assert rest_get("/api/housekeeping/actions", status="failed")[1]["count"] == 0
    assert rest_get("/api/housekeeping/actions", limit=1, offset=1)[1]["items"][0]["action"] == (
        "postpone"
    )


def test_the_openapi_schema_documents_the_endpoints(data, rest_get):
    status, schema = rest_get("/api/openapi.json")
    assert status == 200
    paths = schema["paths"]
    assert "/api/housekeeping/candidates/{candidate_id}/postpone" in paths
    assert "/api/housekeeping/rule-sets" in paths


def test_a_staff_session_needs_the_permission_to_act(data, client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("carol", password="x", is_staff=True)
    client.force_login(user)
    url = f"/api/housekeeping/candidates/{data['big'].pk}/postpone"
    assert client.get("/api/housekeeping/candidates").status_code == 200
    response = client.post(url, {"days": 2}, content_type="application/json")
    assert response.status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="act_on_candidates"))
    client.force_login(django_user_model.objects.get(pk=user.pk))
    response = client.post(url, {"days": 2}, content_type="application/json")
    assert response.status_code == 200
    audit = response.json()["audit"]
    assert (audit["actor"], audit["actor_label"]) == ("carol", "api: carol")


def test_act_runs_the_action_and_is_audited(data, rest_post):
    """A dry run (the rule set's default): audited, nothing sent."""
    status, body = rest_post(f"/api/housekeeping/candidates/{data['big'].pk}/act")
    assert status == 200, body
    audit = body["audit"]
    assert audit is not None and audit["candidate_id"] == data["big"].pk
    assert (audit["actor_label"], audit["status"], audit["dry_run"]) == ("api", "dry_run", True)
    assert audit["requests"] == [] or all("apikey" not in str(r).lower() for r in audit["requests"])


def test_act_without_a_service_to_act_through_fails_audited(data, rest_post):
    """Old TV unmonitors for real, but no Sonarr is connected: the audit and the candidate say
    so; a second act on it is refused."""
    status, body = rest_post(f"/api/housekeeping/candidates/{data['show'].pk}/act")
    assert status == 200, body
    audit = body["audit"]
    assert (audit["status"], audit["dry_run"], audit["action"]) == ("failed", False, "unmonitor")
    assert body["candidate"]["status"] == "failed" and body["candidate"]["reason"]
    status, _ = rest_post(f"/api/housekeeping/candidates/{data['zed'].pk}/act")
    assert status == 409
