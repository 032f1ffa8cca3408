"""Rule sets, media services, the audit and the exclusions in the admin
(housekeeping.admin.rule_sets, .services, .audit): the rule set form with its rule rows, the
live preview, "Run now", YAML export and import, the "test an item" page; the write-only API
key; the read-only audit."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from housekeeping.forms import PressureTiersField, next_runs, parse_value, value_text
from housekeeping.models import ActionLog, Candidate, Exclusion, MediaService, Rule, RuleSet

from . import test_admin_support as support
from .test_admin_support import GB

admin_client, review = support.admin_client, support.review
reviewer_client, viewer_client = support.reviewer_client, support.viewer_client

pytestmark = pytest.mark.django_db

RULE_SETS = "/admin/housekeeping/ruleset/"


def rule_rows(*rows, initial=0) -> dict:
    data = {
        "rules-TOTAL_FORMS": str(len(rows)),
        "rules-INITIAL_FORMS": str(initial),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        data.update({f"rules-{number}-{key}": value for key, value in row.items()})
    return data


def form_data(library, **changes) -> dict:
    data = {
        "name": "Big old movies",
        "description": "",
        "libraries": [library.pk],
        "scope": "movie",
        "is_active": "on",
        "dry_run": "on",
        "action": "delete",
        "grace_days": "30",
        "pressure_tiers": "10: 30\n5%: 15 days",
        "schedule": "0 3 * * *",
        "add_import_exclusion": "on",
        "clear_requests": "on",
        "leaving_soon_collection": "",
    }
    data.update(changes)
    return data


OLD = {"section": "1", "position": "0", "join": "and", "field": "added_at",
       "operator": "more_than_days_ago", "value": "90"}  # fmt: skip
GENRES = {"section": "1", "position": "1", "join": "and", "field": "genres",
          "operator": "contains_any", "value": "Action, Comedy"}  # fmt: skip


# --- the form ---------------------------------------------------------------------------------------


def test_adding_a_rule_set_with_its_rules(admin_client, review):
    data = {**form_data(review["movies"]), **rule_rows(OLD, GENRES)}
    response = admin_client.post(f"{RULE_SETS}add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    rule_set = RuleSet.objects.get(name="Big old movies")
    assert rule_set.dry_run and list(rule_set.libraries.all()) == [review["movies"]]
    assert rule_set.pressure_tiers == [
        {"free_below_percent": 10, "grace_days": 30},
        {"free_below_percent": 5, "grace_days": 15},
    ]
    rules = list(rule_set.rules.order_by("position"))
    assert [(r.field, r.operator, r.value) for r in rules] == [
        ("added_at", "more_than_days_ago", 90),
        ("genres", "contains_any", ["Action", "Comedy"]),
    ]


def test_the_form_refuses_a_bad_cron_a_wrong_operator_and_a_missing_user(admin_client, review):
    bad = {**OLD, "field": "plays", "operator": "before", "value": "2024-01-01"}
    no_users = {
        **OLD,
        "position": "1",
        "field": "watched_by_all",
        "operator": "is_true",
        "value": "",
    }
    data = {**form_data(review["movies"], schedule="every night"), **rule_rows(bad, no_users)}
    response = admin_client.post(f"{RULE_SETS}add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "5-field cron" in html
    assert "is not an operator for Plays" in html
    assert "choose at least one user" in html
    assert not RuleSet.objects.filter(name="Big old movies").exists()
    tiers = admin_client.post(
        f"{RULE_SETS}add/", form_data(review["movies"], pressure_tiers="lots")
    )
    assert "Cannot read" in tiers.content.decode()


def test_values_and_tiers_read_as_typed():
    assert parse_value("30", "number") == 30 and parse_value("", "number") is None
    assert parse_value("Action, Comedy", "list") == ["Action", "Comedy"]
    assert parse_value('["a, b"]', "list") == ["a, b"]
    assert parse_value("4k", "text") == "4k"
    assert value_text(["Action", "Comedy"]) == "Action, Comedy" and value_text(90) == "90"
    field = PressureTiersField(required=False)
    assert field.clean("5: 15, 10: 30") == [
        {"free_below_percent": 10, "grace_days": 30},
        {"free_below_percent": 5, "grace_days": 15},
    ]
    assert field.prepare_value([{"free_below_percent": 10, "grace_days": 30}]) == "10: 30"
    assert len(next_runs("0 3 * * *")) == 3 and next_runs("nonsense") == []


def test_the_change_page_shows_next_runs_the_preview_panel_and_the_tools(admin_client, review):
    rule_set = review["movies_rules"]
    response = admin_client.get(reverse("admin:housekeeping_ruleset_change", args=[rule_set.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2026-11-23 03:00" in html  # the next run of "0 3 * * *" after "now"
    assert 'id="ruleset-preview"' in html and 'id="housekeeping-operators"' in html
    assert 'id="run-now"' in html and "more_than_days_ago" in html
    listing = admin_client.get(RULE_SETS).content.decode()
    assert "Import YAML" in listing and "Old movies" in listing


# --- the live preview -----------------------------------------------------------------------------


def test_the_preview_answers_for_the_saved_and_the_edited_rules(admin_client, review):
    rule_set = review["movies_rules"]
    url = reverse("admin:housekeeping_ruleset_preview", args=[rule_set.pk])
    saved = admin_client.get(url).json()
    # Added more than 90 days ago: Alien (5 GB) and Brazil (2 GB); Heat is recent, Gone removed.
    assert (saved["count"], saved["size"]) == (2, 7 * GB)
    assert [entry["title"] for entry in saved["sample"]] == ["Alien", "Brazil"]
    rule = Rule.objects.get(rule_set=rule_set)
    edited = {
        **form_data(review["movies"], name=rule_set.name),
        **rule_rows(
            {**OLD, "id": str(rule.pk), "rule_set": str(rule_set.pk), "value": "10"},
            {**OLD, "position": "1", "field": "plays", "operator": "before", "value": "x"},
            initial=1,
        ),
    }
    answer = admin_client.post(url, edited).json()
    assert answer["count"] == 3 and answer["size_text"] == "15.0\xa0GB"  # Heat now too
    assert len(answer["errors"]) == 1 and answer["errors"][0].startswith("Rule 2")
    Rule.objects.filter(pk=rule.pk).update(value=90)
    no_library = admin_client.post(url, {**edited, "libraries": []}).json()
    assert no_library["count"] == 0


# --- run now, YAML --------------------------------------------------------------------------------


def test_run_now_evaluates_the_rule_set(reviewer_client, viewer_client, review):
    rule_set = review["movies_rules"]
    Candidate.objects.all().delete()
    url = reverse("admin:housekeeping_ruleset_run", args=[rule_set.pk])
    assert viewer_client.post(url).status_code == 403
    assert not Candidate.objects.exists()
    assert reviewer_client.get(url).status_code == 405
    response = reviewer_client.post(url, follow=True)
    assert response.status_code == 200
    assert "Rule set run" in response.content.decode()
    assert set(Candidate.objects.values_list("item__title", flat=True)) == {"Alien", "Brazil"}
    rule_set.refresh_from_db()
    assert rule_set.last_run["by"] == "admin: reviewer"


def test_export_and_import_yaml(admin_client, viewer_client, review):
    rule_set = review["movies_rules"]
    exported = admin_client.post(
        RULE_SETS, {"action": "export_yaml", "_selected_action": [rule_set.pk]}
    )
    assert exported["Content-Type"].startswith("application/yaml")
    text = exported.content.decode()
    assert "name: Old movies" in text and "more_than_days_ago" in text
    url = reverse("admin:housekeeping_ruleset_import")
    assert admin_client.get(url).status_code == 200
    assert viewer_client.get(url).status_code == 403
    bad = admin_client.post(url, {"text": "rule_sets: [{name: x, rules: [{field: nope}]}]"})
    assert bad.status_code == 200 and 'class="errornote' in bad.content.decode()
    renamed = text.replace("name: Old movies", "name: Imported movies")
    response = admin_client.post(url, {"text": renamed})
    assert response.status_code == 302
    imported = RuleSet.objects.get(name="Imported movies")
    assert [(r.field, r.value) for r in imported.rules.all()] == [("added_at", 90)]
    assert "Paste YAML" in admin_client.post(url, {"text": " "}).content.decode()


# --- test an item ------------------------------------------------------------------------------------


def test_testing_an_item_against_a_rule_set(admin_client, viewer_client, review):
    rule_set, alien = review["movies_rules"], review["items"][2]
    url = reverse("admin:housekeeping_test_item")
    search = admin_client.get(url, {"rule_set": rule_set.pk, "q": "al"})
    assert [r["item"].title for r in search.context["results"]] == ["Alien"]  # movies only
    tested = admin_client.get(url, {"rule_set": rule_set.pk, "item": alien.pk})
    html = tested.content.decode()
    assert tested.context["tested"]["matched"] is True
    assert "Matches" in html and "housekeeping-trace" in html and "✔" in html
    heat = review["items"][1]
    assert (
        admin_client.get(url, {"rule_set": rule_set.pk, "item": heat.pk}).context["tested"][
            "matched"
        ]
        is False
    )
    episode = review["items"][111]
    notes = admin_client.get(url, {"rule_set": rule_set.pk, "item": episode.pk}).context["tested"]
    assert notes["notes"]  # an episode: out of a movies rule set's reach
    from_item = admin_client.get(url, {"item": alien.pk}).content.decode()
    assert "Pick a rule set" in from_item
    assert viewer_client.get(url, {"rule_set": rule_set.pk, "item": alien.pk}).status_code == 200


# --- media services ---------------------------------------------------------------------------------


def test_the_api_key_is_write_only(admin_client, db):
    service = MediaService.objects.create(
        name="Radarr", kind="radarr", url="http://127.0.0.1:7878", api_key="SECRETKEY123456",
        disk_free=100 * GB, disk_total=400 * GB,
    )  # fmt: skip
    listing = admin_client.get("/admin/housekeeping/mediaservice/").content.decode()
    assert "SECRETKEY123456" not in listing and "100.0\xa0GB of 400.0\xa0GB (25%)" in listing
    url = reverse("admin:housekeeping_mediaservice_change", args=[service.pk])
    page = admin_client.get(url).content.decode()
    assert "SECRETKEY123456" not in page and "A value is stored" in page
    data = {"name": "Radarr 4K", "kind": "radarr", "url": "http://127.0.0.1:7878", "api_key": "",
            "verify_ssl": "on", "is_active": "on"}  # fmt: skip
    assert admin_client.post(url, data).status_code == 302
    service.refresh_from_db()
    assert (service.name, service.api_key) == ("Radarr 4K", "SECRETKEY123456")
    admin_client.post(url, {**data, "api_key": "NEWKEY"})
    service.refresh_from_db()
    assert service.api_key == "NEWKEY"


# --- the audit and the exclusions -------------------------------------------------------------------


def test_the_audit_is_read_only_and_shows_what_was_sent(admin_client, review):
    log = ActionLog.objects.create(
        actor_label="schedule", action="delete", title="Alien", status="done", target="radarr:Radarr",
        files=["/movies/Alien.mkv"], size=5 * GB, rule_set_name="Old movies",
        requests=[{"method": "DELETE", "service": "Radarr", "path": "/api/v3/movie/7"}],
        trace=support.TRACE,
    )  # fmt: skip
    listing = admin_client.get("/admin/housekeeping/actionlog/", {"status__exact": "done"})
    html = listing.content.decode()
    assert "Alien" in html and "radarr:Radarr" in html and "5.0\xa0GB" in html
    detail = admin_client.get(reverse("admin:housekeeping_actionlog_change", args=[log.pk]))
    html = detail.content.decode()
    assert (
        "/api/v3/movie/7" in html and "/movies/Alien.mkv" in html and "housekeeping-trace" in html
    )
    assert admin_client.get("/admin/housekeeping/actionlog/add/").status_code == 403


def test_exclusions_are_listed_and_removed_only_by_those_who_may_act(
    admin_client, viewer_client, reviewer_client, review
):
    exclusion = Exclusion.objects.create(
        server=review["server"], rating_key=2, title="Alien", rule_set=review["movies_rules"]
    )
    assert "Alien" in admin_client.get("/admin/housekeeping/exclusion/").content.decode()
    delete = reverse("admin:housekeeping_exclusion_delete", args=[exclusion.pk])
    assert viewer_client.post(delete, {"post": "yes"}).status_code == 403
    reviewer = reviewer_client.user
    reviewer.user_permissions.add(Permission.objects.get(codename="delete_exclusion"))
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Exclusion.objects.exists()
