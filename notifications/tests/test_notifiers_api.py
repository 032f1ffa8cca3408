"""/api/v2 notifier and device commands answer like Tautulli's captures
(``tautulli-dart/notification/``, ``device/``), never show a secret, and send for real."""

import json

import pytest

from core.events import Action
from notifications.models import MobileDevice, Notifier, NotifierTrigger, NotifyLog
from notifications.notifiers import add_notifier, set_notifier_config
from notifications.testing import run_queued_tasks
from plex.testing import FakePlexServer
from plex.testing.media_routes import add_library
from servers.models import Server

pytestmark = pytest.mark.django_db

CAPTURES = "fixtures/tautulli-dart/notification"
BOT_TOKEN = "123456:telegram-secret-token"


def capture(shared_dir, name, folder=CAPTURES):
    return json.loads((shared_dir / folder / name).read_text())["response"]


def shape(value):
    """The JSON types of a value, recursively (dict keys kept, first list item only)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def apprise(receiver, *actions) -> Notifier:
    notifier = add_notifier(100)
    form = {"apprise_urls": f"json://{receiver.host}:{receiver.port}/"}
    return set_notifier_config(notifier, {**form, **{action: "1" for action in actions}})


def test_add_then_list_notifiers_like_the_capture(call_api, shared_dir):
    status, body = call_api("add_notifier_config", agent_id="13")
    assert status == 200
    assert body["response"]["message"] == "Added notification agent."
    notifier_id = body["response"]["data"]["notifier_id"]
    NotifyLog.objects.create(notifier_id=notifier_id, success=True, timestamp="2026-11-01T10:00Z")
    NotifierTrigger.objects.filter(notifier_id=notifier_id, action="on_play").update(enabled=True)

    status, body = call_api("get_notifiers")
    (row,) = body["response"]["data"]
    expected = capture(shared_dir, "get_notifiers.json")["data"][1]
    assert list(row) == list(expected) and shape(row) == shape(expected)
    assert row["agent_name"] == "telegram" and row["active"] == 1 and row["last_success"] == 1
    assert call_api("get_notifiers", notify_action="on_stop")[1]["response"]["data"] == []


def test_notifier_config_like_the_capture_with_secrets_masked(call_api, shared_dir):
    notifier = add_notifier(13)
    status, body = call_api(
        "set_notifier_config",
        notifier_id=str(notifier.pk),
        agent_id="13",
        friendly_name="Family",
        telegram_bot_token=BOT_TOKEN,
        telegram_chat_id="-100200",
        on_play="1",
        on_play_body="{user} is watching {title}",
    )
    assert body["response"]["message"] == "Saved notification agent.", body
    status, body = call_api("get_notifier_config", notifier_id=str(notifier.pk))
    data = body["response"]["data"]
    expected = capture(shared_dir, "get_notifier_config__sink.json")["data"]
    assert list(data) == list(expected)
    assert set(data["actions"]) == set(expected["actions"]) == {a.value for a in Action}
    assert data["actions"]["on_play"] == 1 and data["actions"]["on_stop"] == 0
    assert data["notify_text"]["on_play"]["body"] == "{user} is watching {title}"
    assert data["notify_text"]["on_stop"]["subject"] == "Tautulli ({server_name})"
    assert data["friendly_name"] == "Family"
    assert BOT_TOKEN not in json.dumps(body)
    assert data["config"]["chat_id"] == "-100200"
    assert {"label", "name", "value", "input_type"} <= set(data["config_options"][0])

    # The masked token sent back (as a client that read the config does) keeps the secret.
    masked = data["config"]["bot_token"]
    call_api(
        "set_notifier_config",
        notifier_id=str(notifier.pk),
        agent_id="13",
        telegram_bot_token=masked,
    )
    notifier.refresh_from_db()
    assert notifier.config["bot_token"] == BOT_TOKEN


def test_bad_conditions_are_refused_and_change_nothing(call_api):
    notifier = add_notifier(13)
    status, body = call_api(
        "set_notifier_config",
        notifier_id=str(notifier.pk),
        agent_id="13",
        friendly_name="changed",
        custom_conditions=json.dumps(
            [{"parameter": "user", "operator": "is", "value": ["a"], "type": "str"}]
        ),
        custom_conditions_logic="{1} and {2}",
    )
    assert status == 400 and "{2}" in body["response"]["message"]
    notifier.refresh_from_db()
    assert notifier.friendly_name == ""
    status, body = call_api(
        "set_notifier_config", notifier_id=str(notifier.pk), agent_id="13", custom_conditions="["
    )
    assert status == 400 and "JSON" in body["response"]["message"]


def test_unknown_agent_and_notifier_answer_errors(call_api):
    assert call_api("add_notifier_config", agent_id="999")[1]["response"] == {
        "result": "error",
        "message": "Failed to add notification agent.",
        "data": {},
    }
    status, body = call_api("get_notifier_config", notifier_id="77")
    assert status == 400 and "77" in body["response"]["message"]
    status, body = call_api("get_notifier_config")
    assert status == 400 and body["response"]["message"] == "Parameter notifier_id is required"


def test_delete_notifier_and_the_log(call_api):
    notifier = add_notifier(25)
    NotifyLog.objects.create(notifier_id=notifier.pk)
    body = call_api("delete_notifier", notifier_id=str(notifier.pk))[1]
    assert body["response"]["message"] == "Notifier deleted successfully."
    assert not Notifier.objects.exists() and not NotifierTrigger.objects.exists()
    body = call_api("delete_notification_log")[1]
    assert body["response"]["message"] == "Cleared notification logs."
    assert not NotifyLog.objects.exists()


def test_get_notifier_parameters_lists_the_catalogue(call_api, shared_dir):
    data = call_api("get_notifier_parameters")[1]["response"]["data"]
    expected = capture(shared_dir, "get_notifier_parameters.json")["data"]
    assert len(data) == len(expected) and shape(data) == shape(expected)


@pytest.mark.django_db(transaction=True)
def test_notify_sends_now_and_reports_failure(call_api, http_receiver, shared_dir):
    notifier = apprise(http_receiver)
    status, body = call_api(
        "notify", notifier_id=str(notifier.pk), subject="Backup", body="Backup finished"
    )
    expected = capture(shared_dir, "notify.json")
    assert body["response"]["message"] == expected["message"] == "Notification sent."
    assert shape(body["response"]["data"]) == shape(expected["data"])
    assert http_receiver.requests[0].json()["message"] == "Backup finished"
    entry = NotifyLog.objects.get(pk=body["response"]["data"]["notification_id"])
    assert entry.notify_action == "api" and entry.success

    http_receiver.status = 500
    status, body = call_api("notify", notifier_id=str(notifier.pk), subject="s", body="b")
    assert status == 400 and body["response"]["message"] == "Notification failed."
    assert "500" in NotifyLog.objects.latest("id").error
    body = call_api("notify", notifier_id="999", subject="s", body="b")[1]
    assert body["response"]["message"] == "Notification failed: invalid notifier_id provided 999."


@pytest.mark.django_db(transaction=True)
def test_notify_recently_added_announces_an_item(call_api, http_receiver):
    with FakePlexServer(token="tok") as pms:
        add_library(pms)
        Server.objects.create(
            name="Home", url=pms.url, token="tok", machine_identifier=pms.machine_identifier
        )
        apprise(http_receiver, "on_created")
        body = call_api("notify_recently_added", rating_key="89")[1]
        assert body["response"]["message"] == "Notification queued."
        run_queued_tasks()
    assert [r.json()["message"] for r in http_receiver.requests] == [
        "The 100 - Season 1 was recently added to Plex."
    ]


def test_register_device_like_the_capture_then_its_token_works(
    client, call_api, api_key, shared_dir
):
    status, body = call_api(
        "register_device", device_id="dev-1", device_name="Pixel", platform="android"
    )
    expected = capture(shared_dir, "register_device.json", "fixtures/tautulli-dart/device")
    assert body["response"]["message"] == expected["message"]
    assert set(body["response"]["data"]) == set(expected["data"])
    device = MobileDevice.objects.get(device_id="dev-1")
    assert device.device_token == api_key and device.onesignal_id == "dev-1"

    too_new = call_api("register_device", device_id="d2", device_name="n", min_version="v9.0.0")
    assert too_new[1]["response"]["message"].startswith("Device registration failed: Tautulli")
    assert call_api("register_device", device_name="n")[1]["response"]["message"] == (
        "Device registration failed: no device id provided."
    )

    body = call_api(
        "set_mobile_device_config", mobile_device_id=str(device.pk), friendly_name="Phone"
    )[1]
    assert body["response"]["message"] == "Saved mobile device."
    assert MobileDevice.objects.get().friendly_name == "Phone"
    body = call_api("delete_mobile_device", device_id="dev-1")[1]
    assert body["response"]["message"] == "Deleted mobile device."
    assert not MobileDevice.objects.exists()


def test_the_remote_app_registers_with_a_one_off_token(admin_client, client, shared_dir):
    page = admin_client.get("/admin/notifications/mobiledevice/register/").content.decode()
    assert "<svg" in page
    token = page.split('id="registration-token">')[1].split("<")[0]

    def call(cmd, key, **params):
        response = client.get("/api/v2", {"apikey": key, "app": "true", "cmd": cmd, **params})
        return response.json()["response"]

    assert call("get_history", token)["message"] == "Invalid apikey"  # register_device only
    registered = call("register_device", token, device_id="phone-9", device_name="Pixel")
    assert registered["message"] == "Device registration successful."
    assert MobileDevice.objects.get(device_id="phone-9").device_token == token
    assert call("get_history", token)["result"] == "success"  # now the device's own key
    again = call("register_device", "f" * 32, device_id="phone-10", device_name="x")
    assert again["message"] == "Invalid apikey"


def test_registration_needs_permission(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    assert client.get("/admin/notifications/mobiledevice/register/").status_code == 403
