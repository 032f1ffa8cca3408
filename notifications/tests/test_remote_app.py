"""The Tautulli Remote App agent (id 21) pushes through OneSignal — here a loopback receiver —
a payload only the registered phone can decrypt (Tautulli v2.17.2's format, reference 4.1)."""

import pytest
from cryptography.exceptions import InvalidTag
from model_bakery import baker

from notifications.agents import DeliveryError, agent_by_id
from notifications.agents.remote_app import ONESIGNAL_APP_ID, decrypt_payload
from notifications.apiv2_devices import install_id
from notifications.delivery import send_now
from notifications.models import MobileDevice
from notifications.notifiers import add_notifier, set_notifier_config

pytestmark = pytest.mark.django_db

TOKEN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"


@pytest.fixture
def onesignal(http_receiver, settings):
    settings.ONESIGNAL_API_URL = f"{http_receiver.url}/notifications"
    return http_receiver


@pytest.fixture
def phone():
    return baker.make(
        MobileDevice,
        device_id="pixel-7",
        device_token=TOKEN,
        device_name="Pixel 7",
        platform="android",
        onesignal_id="0d9e3c1a-4b2f-4c55-9f11-2a6b7c8d9e0f",
        official=1,
    )


def send(config, action="on_play", parameters=None):
    return agent_by_id(21).send(
        config,
        "Tautulli (Home)",
        "alice started playing Dune.",
        action=action,
        parameters=parameters or {},
    )


def test_the_push_is_encrypted_for_the_device(onesignal, phone):
    parameters = {
        "notification_id": 42,
        "session_key": 7,
        "session_id": "abc",
        "user_id": 11,
        "rating_key": 1234,
        "poster_thumb": "/library/metadata/1234/thumb/1",
        "user": "alice",
    }
    config = {"device_id": "pixel-7", "priority": 4, "notification_type": 2}
    assert send(config, parameters=parameters) == "HTTP 200"
    (request,) = onesignal.requests
    assert request.method == "POST" and request.path == "/notifications"
    assert request.headers["content-type"] == "application/json"
    push = request.json()
    assert push["app_id"] == ONESIGNAL_APP_ID
    assert push["include_subscription_ids"] == [phone.onesignal_id]
    assert push["contents"] == {"en": "Tautulli Notification"}
    data = push["data"]
    assert data["encrypted"] is True and data["version"] == 2
    assert data["server_id"] == install_id()
    assert "Dune" not in request.text and TOKEN not in request.text
    assert decrypt_payload(data, TOKEN) == {
        "notification_id": 42,
        "subject": "Tautulli (Home)",
        "body": "alice started playing Dune.",
        "action": "on_play",
        "priority": 4,
        "notification_type": 2,
        "session_key": 7,
        "session_id": "abc",
        "user_id": 11,
        "rating_key": 1234,
        "poster_thumb": "/library/metadata/1234/thumb/1",
    }
    with pytest.raises(InvalidTag):
        decrypt_payload(data, "another device's token")


def test_each_push_has_its_own_salt_and_nonce(onesignal, phone):
    send({"device_id": "pixel-7"})
    send({"device_id": "pixel-7"})
    first, second = (r.json()["data"] for r in onesignal.requests)
    assert first["salt"] != second["salt"] and first["nonce"] != second["nonce"]


def test_the_pipeline_passes_the_log_id(onesignal, phone):
    notifier = add_notifier(21)
    set_notifier_config(notifier, {"remoteapp_device_id": "pixel-7"})
    log, success, message = send_now(notifier, "test", subject="Test", body="It works.")
    assert success, message
    payload = decrypt_payload(onesignal.requests[0].json()["data"], TOKEN)
    assert payload["notification_id"] == log.pk
    assert payload["action"] == "test" and payload["priority"] == 3


def test_no_device_selected_is_not_retryable(onesignal, phone):
    with pytest.raises(DeliveryError, match="no device is selected") as error:
        send({"device_id": ""})
    assert not error.value.retryable
    with pytest.raises(DeliveryError, match="no longer registered") as error:
        send({"device_id": "gone"})
    assert not error.value.retryable
    MobileDevice.objects.filter(pk=phone.pk).update(onesignal_id="onesignal-disabled")
    with pytest.raises(DeliveryError, match="no OneSignal id") as error:
        send({"device_id": "pixel-7"})
    assert not error.value.retryable
    assert onesignal.requests == []


def test_onesignal_errors(onesignal, phone):
    onesignal.status = 500
    with pytest.raises(DeliveryError, match="HTTP 500") as error:
        send({"device_id": "pixel-7"})
    assert error.value.retryable
    onesignal.status = 400
    with pytest.raises(DeliveryError, match="HTTP 400") as error:
        send({"device_id": "pixel-7"})
    assert not error.value.retryable


def test_device_choices_are_the_official_apps_with_push(phone):
    baker.make(MobileDevice, device_id="fork", onesignal_id="x-1", official=0)
    baker.make(MobileDevice, device_id="muted", onesignal_id="onesignal-disabled", official=2)
    baker.make(MobileDevice, device_id="no-push", onesignal_id="", official=1)
    options = {o.get("name"): o for o in agent_by_id(21).options({"device_id": "pixel-7"})}
    assert options["remoteapp_device_id"]["select_options"] == {"pixel-7": "Pixel 7"}
    assert options["remoteapp_device_id"]["value"] == "pixel-7"
    assert options["remoteapp_notification_type"]["input_type"] == "select"
    baker.make(
        MobileDevice,
        device_id="iphone",
        device_name="iPhone",
        platform="ios",
        onesignal_id="y-2",
        official=1,
    )
    options = {o.get("name"): o for o in agent_by_id(21).options({"device_id": "iphone"})}
    assert options["remoteapp_device_id"]["select_options"] == {
        "Android": [{"value": "pixel-7", "text": "Pixel 7"}],
        "iOS": [{"value": "iphone", "text": "iPhone"}],
    }
    assert options["remoteapp_notification_type"]["input_type"] == "checkbox"
