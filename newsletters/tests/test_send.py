"""A newsletter run end to end: what the fake PMS added over the last days, rendered, kept as the
hosted copy, e-mailed to a local SMTP server (aiosmtpd), logged; and what goes wrong, told."""

import pytest
from django.conf import settings
from django_q.models import Schedule
from model_bakery import baker

from conftest import FROZEN_NOW
from libraries.models import Library
from newsletters.models import Newsletter, NewsletterLog
from newsletters.send import deliver, run_newsletter
from newsletters.tasks import send_scheduled_newsletter
from notifications.models import Notifier
from notifications.testing import HttpReceiver, SmtpReceiver
from plex.testing import FakePlexServer
from plex.testing.recently_added import add_recently_added
from servers.models import Server

pytestmark = pytest.mark.django_db

NOW = int(FROZEN_NOW.timestamp())


@pytest.fixture
def pms():
    with FakePlexServer(token="secret-plex-token") as fake:
        add_recently_added(fake, now=NOW)
        yield fake


@pytest.fixture
def server(pms):
    server = baker.make(
        Server,
        name="Winterfell",
        url=pms.url,
        token=pms.token,
        machine_identifier=pms.machine_identifier,
    )
    for section_id, name, kind, agent in (
        (1, "Movies", "movie", "tv.plex.agents.movie"),
        (2, "TV Shows", "show", "tv.plex.agents.series"),
        (3, "Music", "artist", "tv.plex.agents.music"),
        (4, "Home Videos", "movie", "tv.plex.agents.none"),
    ):
        baker.make(
            Library,
            server=server,
            section_id=section_id,
            section_name=name,
            section_type=kind,
            agent=agent,
        )
    return server


@pytest.fixture
def smtp():
    receiver = SmtpReceiver()
    yield receiver
    receiver.stop()


def words(text: str) -> list[str]:
    """``text`` without its line breaks and indentation (mail transport rewraps lines)."""
    return text.split()


def make_newsletter(smtp_host="127.0.0.1", smtp_port=25, **config):
    return Newsletter.objects.create(
        id_name="weekly",
        friendly_name="Weekly",
        cron="0 9 * * 0",
        active=True,
        subject="New on {server_name}! ({end_date})",
        body="View the newsletter here: {newsletter_url}",
        message="Hello friends",
        config={"incl_libraries": ["1", "2", "3", "4"], **config},
        email_config={
            "from_name": "Plex Friends",
            "from": "plex@example.org",
            "to": ["alice@example.org"],
            "bcc": ["bob@example.org"],
            "smtp_server": smtp_host,
            "smtp_port": smtp_port,
            "smtp_password": "smtp-secret",
            "tls": 0,
        },
    )


def test_a_week_is_emailed_as_html_and_text_and_its_hosted_page_is_the_same(server, smtp, client):
    newsletter = make_newsletter(smtp_port=smtp.port)

    run = run_newsletter(newsletter, "on_cron")

    assert run.sent, run.message
    (mail,) = smtp.wait_for(1)
    assert set(mail.rcpt_tos) == {"alice@example.org", "bob@example.org"}
    message = mail.message
    assert message["Subject"] == "New on Winterfell! (2026-11-22)"
    assert message["From"] == "Plex Friends <plex@example.org>"
    assert "bob@example.org" not in str(message)  # a blind copy stays blind
    parts = mail.parts()
    html, text = parts["text/html"], parts["text/plain"]
    for title in ("Hidden Figures", "The 100", "Skrillex"):
        assert title in html and title in text
    assert "01-03, 05" in html  # season 1's episodes, with the gap
    assert "Manchester by the Sea" not in html  # added 8 days ago
    assert "secret-plex-token" not in html and "smtp-secret" not in html

    log = NewsletterLog.objects.get()
    assert log.success and log.notify_action == "on_cron"
    assert (log.start_date, log.end_date) == ("2026-11-15", "2026-11-22")
    assert message["Message-ID"] == log.email_msg_id
    page = client.get(f"/newsletter/{log.uuid}")
    assert page.status_code == 200
    assert page.content.decode() == log.html
    assert words(html) == words(log.html)  # the e-mail is the hosted page


def test_threaded_runs_reply_to_the_last_one(server, smtp):
    newsletter = make_newsletter(smtp_port=smtp.port, threaded=1)
    run_newsletter(newsletter, "on_cron")
    run_newsletter(newsletter, "on_cron")

    first, second = smtp.wait_for(2)
    assert "In-Reply-To" not in first.message
    assert second.message["In-Reply-To"] == first.message["Message-ID"]


def test_an_empty_week_sends_nothing(server, smtp, pms):
    newsletter = make_newsletter(smtp_port=smtp.port, time_frame=2, time_frame_units="hours")

    run = run_newsletter(newsletter, "on_cron")

    assert not run.sent and run.log is None
    assert "Nothing was added" in run.message
    assert smtp.messages == [] and not NewsletterLog.objects.exists()


def test_no_library_selected_sends_nothing(server, smtp):
    newsletter = make_newsletter(smtp_port=smtp.port)
    newsletter.config["incl_libraries"] = []
    newsletter.save()

    run = run_newsletter(newsletter, "on_cron")

    assert not run.sent and "No libraries" in run.message and smtp.messages == []


def test_a_down_pms_fails_the_run_with_a_readable_reason(server, smtp, pms):
    newsletter = make_newsletter(smtp_port=smtp.port)
    pms.stop()

    run = run_newsletter(newsletter, "on_cron")

    log = NewsletterLog.objects.get()
    assert not run.sent and not log.success
    assert log.error.startswith("Winterfell: ") and "secret-plex-token" not in log.error
    assert smtp.messages == []


def test_a_bad_smtp_host_fails_the_run_and_is_retried(server, settings):
    settings.NOTIFY_RETRY_DELAYS = [30]
    newsletter = make_newsletter(smtp_host="127.0.0.1", smtp_port=1)  # nothing listens

    run = run_newsletter(newsletter, "on_cron")

    log = NewsletterLog.objects.get()
    assert not run.sent and not log.success
    assert "Could not send by e-mail through 127.0.0.1:1" in log.error
    assert "will try again" in log.error and "smtp-secret" not in log.error
    retry = Schedule.objects.get(func="newsletters.send.deliver")
    assert retry.schedule_type == Schedule.ONCE

    # The last attempt fails for good: no more retries.
    final = deliver(log.pk, attempt=2)
    assert not final.sent and "will try again" not in final.message
    assert Schedule.objects.filter(func="newsletters.send.deliver").count() == 1


def test_a_retry_delivers_the_stored_copy(server, smtp):
    newsletter = make_newsletter(smtp_port=1)
    run = run_newsletter(newsletter, "on_cron")
    assert not run.sent
    newsletter.email_config["smtp_port"] = smtp.port
    newsletter.save()

    again = deliver(run.log.pk, attempt=2)

    assert again.sent
    (mail,) = smtp.wait_for(1)
    assert words(mail.parts()["text/html"]) == words(NewsletterLog.objects.get().html)
    assert NewsletterLog.objects.get().error == ""


def test_save_only_keeps_the_hosted_copy_without_sending(server, smtp, client):
    newsletter = make_newsletter(smtp_port=smtp.port, save_only=1)

    run = run_newsletter(newsletter, "on_cron")

    assert run.sent and smtp.messages == []
    assert client.get("/newsletter/id/weekly").status_code == 200


def test_an_unformatted_newsletter_goes_through_a_notifier_with_its_link(server):
    with HttpReceiver() as hook:
        notifier = baker.make(
            Notifier,
            agent_id=100,  # Apprise URLs
            agent_name="apprise",
            config={"urls": f"json://{hook.host}:{hook.port}/hook"},
        )
        newsletter = make_newsletter(formatted=0, notifier_id=notifier.pk)

        run = run_newsletter(newsletter, "on_cron")

        assert run.sent, run.message
        (request,) = hook.wait_for(1)
    log = NewsletterLog.objects.get()
    assert f"/newsletter/{log.uuid}" in request.json()["message"]


def test_the_scheduled_task_runs_active_newsletters_only(server, smtp):
    newsletter = make_newsletter(smtp_port=smtp.port)
    assert "sent" in send_scheduled_newsletter(newsletter.pk)
    newsletter.active = False
    newsletter.save()
    assert "inactive" in send_scheduled_newsletter(newsletter.pk)
    assert len(smtp.wait_for(1)) == 1


def test_test_and_api_runs_may_replace_the_texts(server, smtp):
    newsletter = make_newsletter(smtp_port=smtp.port)

    run_newsletter(newsletter, "on_cron", subject="Ignored for a scheduled run")
    run_newsletter(newsletter, "test", subject="Trying {server_name}")

    first, second = smtp.wait_for(2)
    assert first.message["Subject"].startswith("New on Winterfell")
    assert second.message["Subject"] == "Trying Winterfell"
    assert settings.NOTIFY_RETRY_DELAYS  # unchanged by the tests above


def test_notify_newsletter_sends_now_or_says_why_not(server, smtp, call_api):
    newsletter = make_newsletter(smtp_port=smtp.port)
    _, ok = call_api("notify_newsletter", newsletter_id=newsletter.pk, subject="Now!")
    ok = ok["response"]
    assert ok["result"] == "success" and ok["message"] == "Newsletter sent."
    log = NewsletterLog.objects.get()
    assert ok["data"] == {"newsletter_notification_id": log.pk} and log.notify_action == "api"
    assert smtp.wait_for(1)[0].message["Subject"] == "Now!"

    _, missing = call_api("notify_newsletter", newsletter_id=999)
    assert missing["response"]["result"] == "error"
    assert "invalid newsletter_id" in missing["response"]["message"]
    newsletter.config.update(time_frame=1, time_frame_units="hours")
    newsletter.save()
    _, empty = call_api("notify_newsletter", newsletter_id=newsletter.pk)
    assert empty["response"]["message"].startswith("Newsletter failed: Nothing was added")


def admin_form(newsletter, port, **extra):
    """The change form as the admin shows it for ``make_newsletter``'s newsletter."""
    return {
        "friendly_name": "Weekly",
        "id_name": "weekly",
        "active": "on",
        "schedule": "custom",
        "cron": newsletter.cron,
        "time_frame": "7",
        "time_frame_units": "days",
        "incl_libraries": ["1", "2", "3", "4"],
        "formatted": "on",
        "notifier_id": "0",
        "email_notifier_id": "0",
        "from_name": "Plex Friends",
        "from_address": "plex@example.org",
        "email_to": "alice@example.org",
        "smtp_server": "127.0.0.1",
        "smtp_port": str(port),
        "tls": "0",
        "html_support": "on",
        "subject": newsletter.subject,
        "body": newsletter.body,
        "message": newsletter.message,
        **extra,
    }


def test_the_admin_previews_sends_now_and_sends_a_test_email(server, smtp, admin_client):
    newsletter = make_newsletter(smtp_port=smtp.port)
    change = f"/admin/newsletters/newsletter/{newsletter.pk}/change/"

    preview = admin_client.get(f"/admin/newsletters/newsletter/{newsletter.pk}/preview/")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Hidden Figures" in html and "01-03, 05" in html
    assert not NewsletterLog.objects.exists() and smtp.messages == []  # a preview sends nothing

    test = admin_client.post(
        change,
        admin_form(newsletter, smtp.port, newsletters_newsletter_save_and_send_test_email="1"),
        follow=True,
    )
    assert "The test e-mail was sent." in test.content.decode()
    assert smtp.wait_for(1)[0].message["Subject"] == "Test e-mail: Weekly"
    assert not NewsletterLog.objects.exists()

    sent = admin_client.post(
        change,
        admin_form(newsletter, smtp.port, newsletters_newsletter_save_and_send_now="1"),
        follow=True,
    )
    assert "The newsletter was sent." in sent.content.decode()
    assert NewsletterLog.objects.get().notify_action == "test"
    assert len(smtp.wait_for(2)) == 2


def test_the_admin_says_why_nothing_was_sent(server, admin_client):
    newsletter = make_newsletter(smtp_port=1)
    newsletter.config["incl_libraries"] = []
    newsletter.save()

    preview = admin_client.get(f"/admin/newsletters/newsletter/{newsletter.pk}/preview/")
    assert "No libraries are selected" in preview.content.decode()
    page = admin_client.post(
        f"/admin/newsletters/newsletter/{newsletter.pk}/change/",
        admin_form(newsletter, 1, newsletters_newsletter_save_and_send_test_email="1"),
        follow=True,
    )
    assert "Could not send by e-mail through 127.0.0.1:1" in page.content.decode()
