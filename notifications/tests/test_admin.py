"""The notifications admin, through Django's test client as a logged-in superuser: the agent
picker, the agent's form (secrets write-only), triggers, conditions, preview, send test, the
notifier list's failing flag and the notification log."""

import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from model_bakery import baker

from conftest import bake_play
from core.events import Action
from notifications.agents import AGENTS, MASK
from notifications.models import DeliveryAttempt, Notifier, NotifierTrigger, NotifyLog
from notifications.notifiers import add_notifier, set_notifier_config
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db

APPRISE = 100
SECRET = "json://127.0.0.1:9/very-secret-path"


def change_url(notifier):
    return reverse("admin:notifications_notifier_change", args=[notifier.pk])


def form_data(response) -> dict:
    """What the change form would post unchanged: every field's current value."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else value
    return data


@pytest.fixture
def notifier():
    notifier = add_notifier(APPRISE)
    return set_notifier_config(notifier, {"apprise_urls": SECRET, "friendly_name": "Phone"})


def test_add_goes_through_the_agent_picker(admin_client):
    page = admin_client.get(reverse("admin:notifications_notifier_add"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Apprise URL" in html and "Discord" in html and 'name="agent_id"' in html

    response = admin_client.post(reverse("admin:notifications_notifier_add"), {"agent_id": "20"})

    notifier = Notifier.objects.get()
    assert response.status_code == 302 and response.url == change_url(notifier)
    assert (notifier.agent_id, notifier.agent_name) == (20, "discord")
    assert notifier.triggers.count() == len(Action)
    assert admin_client.get(response.url).status_code == 200


def test_the_picker_refuses_an_unknown_agent(admin_client):
    response = admin_client.post(reverse("admin:notifications_notifier_add"), {"agent_id": "999"})
    assert response.status_code == 200 and not Notifier.objects.exists()


def test_the_agent_form_saves_config_and_keeps_a_masked_secret(admin_client, notifier):
    page = admin_client.get(change_url(notifier))
    data = form_data(page)
    assert data["apprise_urls"] == MASK
    data.update(friendly_name="Kitchen", apprise_incl_subject="")
    del data["apprise_incl_subject"]

    response = admin_client.post(change_url(notifier), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    notifier.refresh_from_db()
    assert notifier.friendly_name == "Kitchen"
    assert notifier.config == {"urls": SECRET, "incl_subject": 0}

    data["apprise_urls"] = "json://127.0.0.1:9/new"
    admin_client.post(change_url(notifier), data)
    notifier.refresh_from_db()
    assert notifier.config["urls"] == "json://127.0.0.1:9/new"


def test_secrets_never_appear_in_the_list_or_the_change_page(admin_client, notifier):
    listing = admin_client.get(reverse("admin:notifications_notifier_changelist"))
    change = admin_client.get(change_url(notifier))
    for page in (listing, change):
        assert page.status_code == 200
        html = page.content.decode()
        assert "very-secret-path" not in html and "127.0.0.1:9" not in html
    assert "Phone" in listing.content.decode()


def test_the_change_page_shows_help_entries_and_every_trigger(admin_client):
    scripts = add_notifier(15)
    html = admin_client.get(change_url(scripts)).content.decode()
    assert "Script types" in html
    for action in Action:
        assert f'name="{action.value}_subject"' in html
        assert str(action.label) in html


def test_triggers_save(admin_client, notifier):
    data = form_data(admin_client.get(change_url(notifier)))
    data.update(on_play="on", on_play_subject="Now playing", on_play_body="{user} plays {title}")

    response = admin_client.post(change_url(notifier), data)

    assert response.status_code == 302
    trigger = NotifierTrigger.objects.get(notifier=notifier, action="on_play")
    assert (trigger.enabled, trigger.subject, trigger.body) == (
        True,
        "Now playing",
        "{user} plays {title}",
    )
    assert not NotifierTrigger.objects.get(notifier=notifier, action="on_stop").enabled


def test_conditions_save(admin_client, notifier):
    data = form_data(admin_client.get(change_url(notifier)))
    data.update(
        condition_1_parameter="user",
        condition_1_operator="is",
        condition_1_value="alice, bob",
        condition_2_parameter="progress_percent",
        condition_2_operator="is greater than",
        condition_2_value="90",
        custom_conditions_logic="{1} or {2}",
    )
    assert admin_client.post(change_url(notifier), data).status_code == 302
    notifier.refresh_from_db()
    assert notifier.custom_conditions == [
        {"parameter": "user", "operator": "is", "value": ["alice", "bob"], "type": "str"},
        {
            "parameter": "progress_percent",
            "operator": "is greater than",
            "value": ["90"],
            "type": "int",
        },
    ]
    assert notifier.custom_conditions_logic == "{1} or {2}"
    # The stored rows come back in the form, with blank rows to add more.
    data = form_data(admin_client.get(change_url(notifier)))
    assert data["condition_1_value"] == "alice, bob" and data["condition_4_parameter"] == ""


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {
                "condition_1_parameter": "progress_percent",
                "condition_1_operator": "contains",
                "condition_1_value": "9",
            },
            "condition_1_operator",
            "does not apply",
        ),
        (
            {
                "condition_1_parameter": "progress_percent",
                "condition_1_operator": "is",
                "condition_1_value": "ninety",
            },
            "condition_1_value",
            "is not a whole number",
        ),
        (
            {
                "condition_1_parameter": "user",
                "condition_1_operator": "is",
                "condition_1_value": "alice",
                "custom_conditions_logic": "{1} and {2}",
            },
            "custom_conditions_logic",
            "",
        ),
        (
            {"condition_1_parameter": "user", "condition_1_value": "alice"},
            "condition_1_operator",
            "operator",
        ),
    ],
)
def test_a_bad_condition_shows_an_error_and_changes_nothing(
    admin_client, notifier, changes, field, message
):
    before = Notifier.objects.values().get(pk=notifier.pk)
    data = form_data(admin_client.get(change_url(notifier)))
    data.update(friendly_name="Changed", on_play="on", **changes)

    response = admin_client.post(change_url(notifier), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field])
    assert Notifier.objects.values().get(pk=notifier.pk) == before
    assert not NotifierTrigger.objects.get(notifier=notifier, action="on_play").enabled


@pytest.fixture
def play():
    server = baker.make(Server, name="Home")
    user = baker.make(User, user_id=11, username="alice", friendly_name="Alice")
    row = bake_play(
        server,
        user,
        stopped=dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC),
        seconds=1200,
        username="alice",
        media_type="movie",
        rating_key=500,
        player="Living Room TV",
    )
    baker.make("history.HistoryMetadata", history=row, title="Blade Runner", year=1982)
    return row


def test_preview_renders_a_trigger_with_the_latest_play(admin_client, notifier, play):
    set_notifier_config(
        notifier,
        {"on_stop_subject": "{user} stopped", "on_stop_body": "{title} ({year}) on {player}"},
    )
    page = admin_client.get(change_url(notifier), {"preview": "on_stop"})

    assert page.status_code == 200
    preview = page.context["preview"]
    assert (preview.subject, preview.body) == (
        "Alice stopped",
        "Blade Runner (1982) on Living Room TV",
    )
    assert "Blade Runner (1982) on Living Room TV" in page.content.decode()


def test_preview_says_when_there_is_no_play(admin_client, notifier):
    page = admin_client.get(change_url(notifier), {"preview": "on_play"})
    assert page.status_code == 200
    assert 'id="preview-empty"' in page.content.decode()


def send_test_url(notifier):
    return reverse("admin:notifications_notifier_test", args=[notifier.pk])


def page_messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_send_test_delivers_and_reports_success(admin_client, http_receiver):
    notifier = add_notifier(APPRISE)
    set_notifier_config(notifier, {"apprise_urls": f"json://127.0.0.1:{http_receiver.port}/"})

    response = admin_client.post(
        send_test_url(notifier), {"subject": "Hello", "body": "From the admin"}, follow=True
    )

    assert (
        http_receiver.requests and http_receiver.requests[0].json()["message"] == "From the admin"
    )
    [(level, text)] = page_messages(response)
    assert level == "success" and "Test notification sent" in text
    log = NotifyLog.objects.get()
    assert (log.notify_action, log.success, log.attempts) == ("test", True, 1)


def test_a_webhook_test_sends_the_json_the_page_offers(admin_client, http_receiver):
    """A webhook sends JSON: the page offers empty headers and a JSON body a chat webhook
    (Discord, Slack) shows, and sending them as offered is delivered."""
    import re

    notifier = add_notifier(25)
    set_notifier_config(notifier, {"webhook_hook": f"{http_receiver.url}/api/webhooks/1/x"})
    page = admin_client.get(change_url(notifier)).content.decode()
    assert "JSON body" in page
    values = dict(re.findall(r'name="(subject|body)" value="([^"]*)"', page))
    response = admin_client.post(
        send_test_url(notifier),
        {name: value.replace("&quot;", '"') for name, value in values.items()},
        follow=True,
    )
    [(level, _text)] = page_messages(response)
    assert level == "success"
    assert http_receiver.requests[0].json()["content"] == "Test Notification"


def test_send_test_reports_the_failure_reason(admin_client, http_receiver):
    http_receiver.status = 500
    notifier = add_notifier(APPRISE)
    set_notifier_config(notifier, {"apprise_urls": f"json://127.0.0.1:{http_receiver.port}/"})

    response = admin_client.post(
        send_test_url(notifier), {"subject": "a", "body": "b"}, follow=True
    )

    [(level, text)] = page_messages(response)
    assert level == "error" and text.startswith("Test notification failed: ")
    assert len(text) > len("Test notification failed: ")
    assert str(http_receiver.port) not in text or "json://" not in text
    assert NotifyLog.objects.get().success is False


def test_send_test_needs_post_and_change_permission(
    admin_client, client, notifier, django_user_model
):
    assert admin_client.get(send_test_url(notifier)).status_code == 405
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    assert client.post(send_test_url(notifier)).status_code == 403
    assert not NotifyLog.objects.exists()


def test_the_list_flags_a_failing_notifier(admin_client, notifier):
    other = add_notifier(APPRISE)
    Notifier.objects.filter(pk=notifier.pk).update(
        failed_deliveries=Notifier.FAILING_AFTER, last_error="HTTP 500 from the service"
    )
    Notifier.objects.filter(pk=other.pk).update(
        failed_deliveries=Notifier.FAILING_AFTER - 1, last_error="once"
    )
    NotifierTrigger.objects.filter(notifier=notifier, action="on_play").update(enabled=True)

    html = admin_client.get(reverse("admin:notifications_notifier_changelist")).content.decode()

    assert html.count("notifier-failing") == 1
    assert "HTTP 500 from the service" in html and "once" not in html


def test_the_notification_log_lists_filters_and_shows_attempts(admin_client, notifier):
    log = baker.make(
        NotifyLog,
        notifier_id=notifier.pk,
        notify_action="on_play",
        timestamp=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        attempts=2,
        error="HTTP 503 from the service",
    )
    baker.make(NotifyLog, notifier_id=notifier.pk + 1, notify_action="on_stop", success=True)
    baker.make(
        DeliveryAttempt,
        log=log,
        attempted_at=dt.datetime(2026, 3, 1, 0, 0, 5, tzinfo=dt.UTC),
        success=False,
        message="connection refused",
    )
    url = reverse("admin:notifications_notifylog_changelist")

    page = admin_client.get(url, {"notifier": str(notifier.pk), "notify_action": "on_play"})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [log]
    assert "HTTP 503 from the service" in page.content.decode()
    assert len(admin_client.get(url, {"success__exact": "1"}).context["cl"].result_list) == 1

    detail = admin_client.get(reverse("admin:notifications_notifylog_change", args=[log.pk]))
    assert detail.status_code == 200 and "connection refused" in detail.content.decode()


@pytest.mark.parametrize("agent_id", sorted(AGENTS))
def test_every_agent_form_renders_and_saves_unchanged(admin_client, agent_id):
    notifier = add_notifier(agent_id)
    before = Notifier.objects.get(pk=notifier.pk).config
    page = admin_client.get(change_url(notifier))
    assert page.status_code == 200

    response = admin_client.post(change_url(notifier), form_data(page))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Notifier.objects.get(pk=notifier.pk).config == before


def test_the_picker_offers_only_agents_that_can_deliver(admin_client):
    page = admin_client.get("/admin/notifications/notifier/add/").content.decode()
    assert 'value="100"' in page and 'value="25"' in page  # Apprise URL, Webhook
    assert 'name="agent_id" value="17"' not in page  # Browser: listed as unavailable only
    assert "Browser</strong>: it shows pop-ups" in page
