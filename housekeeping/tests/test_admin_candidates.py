"""The candidates in the admin (housekeeping.admin.candidates): the list with its statistics
and reclaimable total, keep / postpone / act now and who may use them, a candidate's page with
its trace, and the calendar of due actions."""

import datetime as dt

import pytest
from django.urls import reverse

from conftest import FROZEN_NOW
from housekeeping.admin.candidates import CandidateAdmin
from housekeeping.models import ActionLog, Candidate, Exclusion, RuleSet
from housekeeping.services.sync import sync_services
from libraries.models import LibraryMedia
from stats.admin_inventory import item_poster_url

from . import test_admin_support as support
from .test_admin_support import GB, candidate

# The shared fixtures.
admin_client, review = support.admin_client, support.review
reviewer_client, viewer_client = support.reviewer_client, support.viewer_client

pytestmark = pytest.mark.django_db

LIST = "/admin/housekeeping/candidate/"


def rows(response) -> dict:
    return {c.item.title: c for c in response.context["cl"].result_list}


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_open_candidates_with_statistics_and_the_reclaimable_total(
    admin_client, review
):
    response = admin_client.get(LIST)
    assert response.status_code == 200
    listed = rows(response)
    assert set(listed) == {"Alien", "Brazil", "The Wire", "Season 1", "Episode 1.1"}
    assert (listed["Alien"].item.plays, listed["Alien"].item.users) == (1, 1)
    assert listed["Alien"].item.library_name == "Movies"
    assert listed["Brazil"].item.plays == 0
    html = response.content.decode()
    # 5 GB + 2 GB + 4 GB (the show) + 2 GB (its season) + 1 GB (an episode)
    assert "14.0\xa0GB" in html and 'id="reclaimable"' in html
    assert "never" in html  # Brazil was never watched
    assert f'src="{item_poster_url(listed["Alien"].item)}"' in html  # a signed image link
    assert "3 d" in html  # Alien's action is due in 3 days


def test_filters_by_rule_set_status_library_and_due_day(admin_client, review):
    response = admin_client.get(LIST, {"rule_set__id__exact": review["movies_rules"].pk})
    assert set(rows(response)) == {"Alien", "Brazil"}
    assert "7.0\xa0GB" in response.content.decode()  # the filtered list's total
    tv = f"{review['server'].pk}:2"
    assert set(rows(admin_client.get(LIST, {"library": tv}))) == {
        "The Wire", "Season 1", "Episode 1.1"
    }  # fmt: skip
    due = (FROZEN_NOW + dt.timedelta(days=3)).date().isoformat()
    assert set(rows(admin_client.get(LIST, {"due": due}))) == {"Alien"}
    assert admin_client.get(LIST, {"due": "2026-13-45"}).status_code == 200
    Candidate.objects.filter(pk=review["brazil"].pk).update(status=Candidate.KEPT)
    assert "Brazil" not in rows(admin_client.get(LIST))  # open ones by default
    assert set(rows(admin_client.get(LIST, {"status": "kept"}))) == {"Brazil"}
    server = review["server"].pk
    assert (
        len(rows(admin_client.get(LIST, {"item__server__id__exact": server, "status": "all"}))) == 5
    )


def test_the_list_runs_a_bounded_number_of_queries(
    admin_client, review, django_assert_max_num_queries
):
    server, rule_set = review["server"], review["movies_rules"]
    for key in range(1000, 1050):
        item = LibraryMedia.objects.create(
            server=server, section_id=1, rating_key=key, media_type="movie",
            title=f"Movie {key}", thumb="/t", file_size=GB, total_file_size=GB,
        )  # fmt: skip
        candidate(rule_set, item, due_days=key % 30)
    admin_client.get(LIST)  # the statistics are synced once, outside the count
    with django_assert_max_num_queries(12):
        response = admin_client.get(LIST, {"status": "all"})
    assert len(response.context["cl"].result_list) == 50


# --- keep -----------------------------------------------------------------------------------------


def test_keep_excludes_the_item_keeps_its_children_and_writes_the_audit(reviewer_client, review):
    wire = review["wire"]
    response = reviewer_client.post(
        LIST, {"action": "keep_action", "_selected_action": [wire.pk]}, follow=True
    )
    assert response.status_code == 200
    exclusion = Exclusion.objects.get()
    assert (exclusion.server_id, exclusion.rating_key, exclusion.rule_set) == (
        review["server"].pk, 100, review["shows_rules"],
    )  # fmt: skip
    assert exclusion.created_by.username == "reviewer"
    statuses = dict(Candidate.objects.values_list("item__title", "status"))
    assert statuses["The Wire"] == "kept"
    assert statuses["Season 1"] == statuses["Episode 1.1"] == "excluded"  # under the show
    assert statuses["Alien"] == "pending"
    log = ActionLog.objects.get()
    assert (log.action, log.status, log.actor_label, log.candidate_id) == (
        "keep", "done", "admin: reviewer", wire.pk,
    )  # fmt: skip
    assert log.trace == wire.trace and "2 other candidate(s) under it excluded" in log.result


def test_keep_for_every_rule_set_from_the_candidates_page(reviewer_client, review):
    alien = review["alien"]
    url = reverse("admin:housekeeping_candidate_keep", args=[alien.pk])
    assert reviewer_client.get(url).status_code == 405
    elsewhere = candidate(review["shows_rules"], alien.item)  # the same item in another rule set
    response = reviewer_client.post(url, {"every_rule_set": "1"})
    assert response.status_code == 302
    assert Exclusion.objects.get().rule_set is None
    alien.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (alien.status, elsewhere.status) == ("kept", "excluded")


# --- postpone -------------------------------------------------------------------------------------


def test_postpone_asks_for_days_then_moves_the_due_date(reviewer_client, review):
    alien, brazil = review["alien"], review["brazil"]
    selection = {"action": "postpone_action", "_selected_action": [alien.pk, brazil.pk]}
    form = reviewer_client.post(LIST, selection)
    assert form.status_code == 200 and 'id="postpone-form"' in form.content.decode()
    assert (
        "Alien" in form.content.decode() and Candidate.objects.get(pk=alien.pk).status == "pending"
    )
    reviewer_client.post(LIST, {**selection, "days": "14"})
    alien.refresh_from_db()
    brazil.refresh_from_db()
    assert alien.status == brazil.status == "postponed"
    assert alien.due_at == FROZEN_NOW + dt.timedelta(days=3 + 14)
    assert brazil.due_at == FROZEN_NOW + dt.timedelta(days=12 + 14)
    logs = ActionLog.objects.filter(action="postpone")
    assert logs.count() == 2 and {log.actor_label for log in logs} == {"admin: reviewer"}


def test_postpone_one_candidate_by_its_url(reviewer_client, review):
    alien = review["alien"]
    url = reverse("admin:housekeeping_candidate_postpone", args=[alien.pk])
    assert reviewer_client.get(url).status_code == 200
    assert reviewer_client.post(url, {"days": "0"}).status_code == 200  # invalid: the form again
    assert reviewer_client.post(url, {"days": "5"}).status_code == 302
    alien.refresh_from_db()
    assert alien.status == "postponed" and ActionLog.objects.get().action == "postpone"


# --- act now --------------------------------------------------------------------------------------


def test_act_now_in_dry_run_records_what_it_would_do(
    reviewer_client, review, fake_radarr, radarr_service
):
    alien = review["alien"]
    LibraryMedia.objects.filter(pk=alien.item_id).update(
        tmdb_id="348", file_paths=["/movies/Alien (1979)/Alien.mkv"]
    )
    fake_radarr.add_movie("Alien", 348, year=1979)
    sync_services()
    selection = {"action": "act_now_action", "_selected_action": [alien.pk]}
    page = reviewer_client.post(LIST, selection)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="act-plans"' in html
    assert "/movies/Alien (1979)/Alien.mkv" in html and "5.0\xa0GB" in html
    assert "radarr:Main" in html and "DELETE /api/v3/movie/" in html
    assert "plan-dry-run" in html  # the rule set is in dry run (the default)
    assert not ActionLog.objects.exists()
    reviewer_client.post(LIST, {**selection, "confirm": "yes"})
    log = ActionLog.objects.get()
    assert (log.status, log.dry_run, log.actor_label) == ("dry_run", True, "admin: reviewer")
    assert log.candidate_id == alien.pk and log.actor.username == "reviewer"
    assert fake_radarr.sent("write") == []
    alien.refresh_from_db()
    assert alien.status == "pending"


def test_act_now_deletes_through_radarr_and_audits(
    reviewer_client, review, fake_radarr, radarr_service
):
    alien = review["alien"]
    RuleSet.objects.filter(pk=alien.rule_set_id).update(dry_run=False)
    LibraryMedia.objects.filter(pk=alien.item_id).update(tmdb_id="348")
    fake_radarr.add_movie("Alien", 348, year=1979)
    sync_services()
    url = reverse("admin:housekeeping_candidate_act", args=[alien.pk])
    assert "plan-dry-run" not in reviewer_client.get(url).content.decode()
    response = reviewer_client.post(url, {"confirm": "yes"}, follow=True)
    assert "Done: 1" in response.content.decode()
    log = ActionLog.objects.get()
    assert (log.status, log.target, log.actor_label) == ("done", "radarr:Main", "admin: reviewer")
    assert [r["method"] for r in fake_radarr.sent("write")] == ["DELETE"]
    alien.refresh_from_db()
    assert alien.status == "acted"
    again = reviewer_client.post(url, {"confirm": "yes"}, follow=True)  # nothing deleted twice
    assert ActionLog.objects.count() == 1 and again.status_code == 200


def test_act_now_on_one_candidate_by_its_url(reviewer_client, review):
    brazil = review["brazil"]
    url = reverse("admin:housekeeping_candidate_act", args=[brazil.pk])
    assert 'id="act-plans"' in reviewer_client.get(url).content.decode()
    assert reviewer_client.post(url, {"confirm": "yes"}).status_code == 302
    assert ActionLog.objects.filter(candidate=brazil).exists()


# --- who may act ----------------------------------------------------------------------------------


def test_staff_without_the_permission_may_look_but_not_act(viewer_client, review):
    alien = review["alien"]
    assert viewer_client.get(LIST).status_code == 200
    assert (
        viewer_client.get(
            reverse("admin:housekeeping_candidate_change", args=[alien.pk])
        ).status_code
        == 200
    )
    for name in ("keep", "postpone", "act"):
        url = reverse(f"admin:housekeeping_candidate_{name}", args=[alien.pk])
        assert viewer_client.get(url).status_code == 403, name
        assert viewer_client.post(url, {"days": "5", "confirm": "yes"}).status_code == 403, name
    for action in ("keep_action", "postpone_action", "act_now_action"):
        viewer_client.post(
            LIST, {"action": action, "_selected_action": [alien.pk], "days": "5", "confirm": "yes"}
        )
    alien.refresh_from_db()
    assert alien.status == "pending" and alien.due_at == FROZEN_NOW + dt.timedelta(days=3)
    assert not ActionLog.objects.exists() and not Exclusion.objects.exists()
    assert viewer_client.get(LIST).context["action_form"] is None  # no action offered


def test_non_staff_cannot_open_the_pages(client, review):
    user = support.staff("outsider", act=True)
    user.is_staff = False
    user.save()
    client.force_login(user)
    url = reverse("admin:housekeeping_candidate_keep", args=[review["alien"].pk])
    assert client.post(url).status_code == 302  # to the admin's login
    assert client.get(LIST).status_code == 302
    assert not Exclusion.objects.exists()


# --- a candidate's page and the calendar ----------------------------------------------------------


def test_a_candidates_page_shows_its_trace_and_audit(admin_client, review):
    alien = review["alien"]
    ActionLog.objects.create(
        candidate=alien, action="postpone", actor_label="admin: x", status="done"
    )
    response = admin_client.get(reverse("admin:housekeeping_candidate_change", args=[alien.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'id="candidate-trace"' in html and "Last watched" in html and "more than N days ago" in html
    )
    assert "✔" in html and "2025-10-18" in html
    assert 'id="candidate-buttons"' in html and "admin: x" in html
    assert CandidateAdmin.list_display[0] == "poster"


def test_the_calendar_lists_due_candidates_by_day_with_their_sizes(admin_client, review):
    url = reverse("admin:housekeeping_candidate_calendar")
    response = admin_client.get(url, {"month": "2026-11"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="due-calendar"' in html
    assert 'data-date="2026-11-25"' in html  # Alien is due on the 25th (3 days after "now")
    day = next(
        day
        for week in response.context["weeks"]
        for day in week
        if day["date"].day == 25 and day["in_month"]
    )
    assert [entry["title"] for entry in day["candidates"]] == ["Alien"]
    assert day["size"] == "5.0\xa0GB" and "due=2026-11-25" in day["url"]
    december = admin_client.get(url, {"month": "2026-12"})
    titles = {
        e["title"]
        for week in december.context["weeks"]
        for d in week
        for e in d["candidates"]
        if d["in_month"]
    }
    assert titles == {"Brazil", "The Wire", "Season 1", "Episode 1.1"}
    assert admin_client.get(url, {"month": "garbage"}).status_code == 200


def test_every_page_renders_for_staff_who_may_only_look(viewer_client, review):
    alien = review["alien"]
    log = ActionLog.objects.create(candidate=alien, action="keep", status="done", title="Alien")
    exclusion = Exclusion.objects.create(server=review["server"], rating_key=3, title="Brazil")
    rule_set = review["movies_rules"]
    pages = [
        LIST,
        reverse("admin:housekeeping_candidate_change", args=[alien.pk]),
        reverse("admin:housekeeping_candidate_calendar"),
        "/admin/housekeeping/ruleset/",
        reverse("admin:housekeeping_ruleset_change", args=[rule_set.pk]),
        reverse("admin:housekeeping_ruleset_preview", args=[rule_set.pk]),
        reverse("admin:housekeeping_test_item") + f"?rule_set={rule_set.pk}&item={alien.item_id}",
        "/admin/housekeeping/actionlog/",
        reverse("admin:housekeeping_actionlog_change", args=[log.pk]),
        "/admin/housekeeping/exclusion/",
        reverse("admin:housekeeping_exclusion_change", args=[exclusion.pk]),
        "/admin/housekeeping/mediaservice/",
    ]
    for url in pages:
        assert viewer_client.get(url).status_code == 200, url
    html = viewer_client.get(pages[1]).content.decode()
    assert 'id="candidate-buttons"' not in html  # no button for those who may not act
    assert 'id="run-now"' not in viewer_client.get(pages[4]).content.decode()


def test_the_calendar_and_the_test_page_are_in_the_sidebar_for_those_who_may_look(
    viewer_client, client, review
):
    index = viewer_client.get("/admin/").content.decode()
    assert "Calendar of due actions" in index and "Test an item" in index
    nobody = support.staff("nobody", act=False)
    nobody.user_permissions.clear()
    client.force_login(nobody)
    assert client.get(reverse("admin:housekeeping_candidate_calendar")).status_code == 403
    assert client.get(reverse("admin:housekeeping_test_item")).status_code == 403
    assert "Calendar of due actions" not in client.get("/admin/").content.decode()
