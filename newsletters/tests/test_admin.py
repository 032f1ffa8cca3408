"""The newsletter admin: a real form over Tautulli's JSON config, and the log."""

import datetime as dt

import pytest
from django.urls import reverse
from django_q.models import Schedule
from model_bakery import baker

from libraries.models import Library
from newsletters.models import Newsletter, NewsletterLog
from newsletters.schedules import schedule_name
from servers.models import Server

SECRET = "s3cret-smtp-pw"


@pytest.fixture
def libraries(db):
    server = baker.make(Server, name="Winterfell", machine_identifier="abc")
    for section_id, name, kind in (
        (1, "Movies", "movie"),
        (2, "TV Shows", "show"),
        (3, "Music", "artist"),
    ):
        baker.make(
            Library, server=server, section_id=section_id, section_name=name, section_type=kind
        )
    return server


@pytest.fixture
def newsletter(libraries):
    return baker.make(
        Newsletter,
        id_name="weekly",
        friendly_name="Weekly",
        cron="0 9 * * 1",
        active=True,
        config={"time_frame": 7, "time_frame_units": "days", "incl_libraries": ["1"]},
        email_config={
            "from": "plex@example.com",
            "to": ["a@example.com"],
            "smtp_server": "smtp.example.com",
            "smtp_port": 587,
            "smtp_user": "plex",
            "smtp_password": SECRET,
            "tls": 1,
        },
        subject="New on {server_name}",
        body="See {newsletter_url}",
    )


def change_url(newsletter):
    return reverse("admin:newsletters_newsletter_change", args=[newsletter.pk])


def form_data(**overrides):
    data = {
        "friendly_name": "Weekly",
        "id_name": "weekly",
        "active": "on",
        "schedule": "weekly",
        "schedule_time": "08:15",
        "schedule_weekday": "5",
        "schedule_day": "",
        "cron": "",
        "time_frame": "14",
        "time_frame_units": "days",
        "incl_libraries": ["1", "2"],
        "formatted": "on",
        "notifier_id": "0",
        "email_notifier_id": "0",
        "from_name": "My Plex",
        "from_address": "plex@example.com",
        "email_to": "a@example.com, b@example.com",
        "email_cc": "",
        "email_bcc": "owner@example.com",
        "smtp_server": "smtp.example.com",
        "smtp_port": "465",
        "smtp_user": "plex",
        "smtp_password": "",
        "tls": "2",
        "html_support": "on",
        "subject": "New on {server_name}",
        "body": "See {newsletter_url}",
        "message": "Enjoy",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_change_page_is_a_form_without_the_password(admin_client, newsletter):
    page = admin_client.get(change_url(newsletter))
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET not in html
    assert "A password is stored" in html
    assert 'name="schedule_weekday"' in html and 'name="incl_libraries"' in html
    form = page.context["adminform"].form
    assert form.initial["schedule"] == "weekly"
    assert form.initial["schedule_weekday"] == "1"
    assert form.initial["schedule_time"] == dt.time(9, 0)
    assert form.initial["incl_libraries"] == ["1"]
    assert form.initial["email_to"] == "a@example.com"
    # The next 3 runs of "0 9 * * 1" from the frozen Sunday 2026-11-22 10:30 UTC.
    for day in ("2026-11-23 09:00", "2026-11-30 09:00", "2026-12-07 09:00"):
        assert day in html


def test_the_form_round_trip_keeps_the_password_when_blank(admin_client, newsletter):
    response = admin_client.post(change_url(newsletter), form_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    newsletter.refresh_from_db()
    assert newsletter.cron == "15 8 * * 5"
    assert newsletter.config["custom_cron"] == 0
    assert newsletter.config["time_frame"] == 14
    assert newsletter.config["incl_libraries"] == ["1", "2"]
    assert newsletter.email_config["to"] == ["a@example.com", "b@example.com"]
    assert newsletter.email_config["bcc"] == ["owner@example.com"]
    assert newsletter.email_config["smtp_port"] == 465
    assert newsletter.email_config["tls"] == 2
    assert newsletter.email_config["from_name"] == "My Plex"
    assert newsletter.email_config["smtp_password"] == SECRET
    assert newsletter.message == "Enjoy"
    schedule = Schedule.objects.get(name=schedule_name(newsletter.pk))
    assert schedule.cron == "15 8 * * 5"
    assert schedule.next_run == dt.datetime(2026, 11, 27, 8, 15, tzinfo=dt.UTC)

    admin_client.post(change_url(newsletter), form_data(smtp_password="new-pw"))
    newsletter.refresh_from_db()
    assert newsletter.email_config["smtp_password"] == "new-pw"


def test_presets_and_custom_cron(admin_client, newsletter):
    for fields, cron in (
        ({"schedule": "daily", "schedule_time": "06:30"}, "30 6 * * *"),
        ({"schedule": "monthly", "schedule_time": "00:00", "schedule_day": "1"}, "0 0 1 * *"),
        ({"schedule": "custom", "cron": "0  12 * * 1-5"}, "0 12 * * 1-5"),
    ):
        response = admin_client.post(change_url(newsletter), form_data(**fields))
        assert response.status_code == 302
        newsletter.refresh_from_db()
        assert newsletter.cron == cron
    assert newsletter.config["custom_cron"] == 1
    assert (
        admin_client.get(change_url(newsletter)).context["adminform"].form.initial["schedule"]
        == "custom"
    )


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"schedule": "custom", "cron": "every sunday"}, "cron", "not a 5-field cron expression"),
        ({"schedule": "custom", "cron": ""}, "cron", "Type a cron expression"),
        ({"email_to": "friends, b@example.com"}, "email_to", "not an e-mail address: friends"),
        ({"smtp_port": "99999"}, "smtp_port", "65535"),
        ({"time_frame": "0"}, "time_frame", "greater than or equal to 1"),
        ({"incl_libraries": ["9"]}, "incl_libraries", "9 is not one of the available choices"),
    ],
)
def test_bad_input_shows_an_error_and_changes_nothing(
    admin_client, newsletter, fields, field, message
):
    before = Newsletter.objects.values().get(pk=newsletter.pk)
    response = admin_client.post(change_url(newsletter), form_data(**fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors.get(field, [])), errors
    assert SECRET not in response.content.decode()
    assert Newsletter.objects.values().get(pk=newsletter.pk) == before
    assert Schedule.objects.get(name=schedule_name(newsletter.pk)).cron == "0 9 * * 1"


def test_adding_a_newsletter_in_the_admin(admin_client, libraries):
    page = admin_client.get(reverse("admin:newsletters_newsletter_add"))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form.initial["subject"] == "Recently Added to {server_name}! ({end_date})"
    assert form.initial["smtp_port"] == 465 and form.initial["tls"] == "2"
    response = admin_client.post(
        reverse("admin:newsletters_newsletter_add"),
        form_data(id_name="daily", smtp_password=SECRET, schedule="daily", schedule_time="07:00"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    newsletter = Newsletter.objects.get(id_name="daily")
    assert (newsletter.agent_id, newsletter.agent_name) == (0, "recently_added")
    assert newsletter.email_config["smtp_password"] == SECRET
    assert Schedule.objects.get(name=schedule_name(newsletter.pk)).cron == "0 7 * * *"


def test_the_list_pages_show_no_password(admin_client, newsletter):
    baker.make(
        NewsletterLog,
        newsletter_id=newsletter.pk,
        uuid="6fda8ba5",
        html="<html>copy</html>",
        success=True,
        timestamp=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
    )
    baker.make(NewsletterLog, newsletter_id=newsletter.pk, uuid="failed01", success=False)
    listing = admin_client.get(reverse("admin:newsletters_newsletter_changelist"))
    assert listing.status_code == 200
    assert SECRET not in listing.content.decode()
    assert "Weekly" in listing.content.decode()
    log = admin_client.get(reverse("admin:newsletters_newsletterlog_changelist"))
    html = log.content.decode()
    assert log.status_code == 200
    assert 'href="/newsletter/6fda8ba5"' in html
    assert 'href="/newsletter/failed01"' not in html
    failed = admin_client.get(
        reverse("admin:newsletters_newsletterlog_changelist"), {"success__exact": "0"}
    )
    assert "failed01" in failed.content.decode() and "6fda8ba5" not in failed.content.decode()
