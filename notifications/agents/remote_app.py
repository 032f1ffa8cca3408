"""Tautulli's Tautulli Remote App agent (id 21, ``remoteapp``, reference 4.1): a OneSignal push
to one registered phone, its content encrypted so that only that phone can read it.

Facts of the contract (Tautulli v2.17.2, ``TAUTULLIREMOTEAPP`` and ``mobile_app``), which the
app depends on:

* the notifier's config names one :class:`~notifications.models.MobileDevice` by
  ``device_id``; the push goes to its ``onesignal_id`` (``include_subscription_ids``);
* the plain payload is the JSON object :func:`plaintext_payload` builds (notification id,
  subject, body, action, priority, notification type, session/user/item ids, poster thumb);
* it is encrypted with AES-256-GCM (no associated data, the 16-byte tag appended to the
  cipher text) under a key derived from the device token with PBKDF2-HMAC-SHA256, 600 000
  iterations, a random 16-byte salt; the nonce is 16 random bytes;
* the OneSignal request body is ``{app_id, include_subscription_ids, contents: {en: ...},
  data: {encrypted: true, version: 2, cipher_text, nonce, salt, server_id}}`` with the cipher
  text, nonce and salt in standard base64 (:func:`encrypt_payload`, :func:`decrypt_payload`).

Unlike Tautulli we never send the content unencrypted: ``cryptography`` is a requirement.
The OneSignal endpoint is ``settings.ONESIGNAL_API_URL`` when set (tests point it at a
loopback :class:`~notifications.testing.HttpReceiver`), else :data:`ONESIGNAL_API_URL`.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings

from .base import Agent, DeliveryError, Opt
from .webhook import http_request

#: OneSignal's create-notification endpoint (the one Tautulli v2.17.2 calls); overridden by
#: ``settings.ONESIGNAL_API_URL``.
ONESIGNAL_API_URL = "https://api.onesignal.com/notifications"
#: The Tautulli Remote App's OneSignal app id (Tautulli's ``mobile_app._ONESIGNAL_APP_ID``).
ONESIGNAL_APP_ID = "3b4b666a-d557-4b92-acdf-e2c8c4b95357"
#: The ``onesignal_id`` the app registers when the user switched pushes off.
ONESIGNAL_DISABLED = "onesignal-disabled"
#: The text OneSignal shows if the app cannot decrypt (the real text is in ``data``).
PUSH_TEXT = "Tautulli Notification"
PAYLOAD_VERSION = 2
KDF_ITERATIONS = 600_000
KEY_BYTES = 32  # AES-256
SALT_BYTES = 16
NONCE_BYTES = 16


def onesignal_url() -> str:
    """The OneSignal endpoint: ``settings.ONESIGNAL_API_URL`` or :data:`ONESIGNAL_API_URL`."""
    return getattr(settings, "ONESIGNAL_API_URL", ONESIGNAL_API_URL)


def derive_key(device_token: str, salt: bytes) -> bytes:
    """The 32-byte AES key of ``device_token`` (UTF-8) and ``salt``: PBKDF2-HMAC-SHA256,
    :data:`KDF_ITERATIONS` iterations (about a quarter second of CPU)."""
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, iterations=KDF_ITERATIONS
    )
    return kdf.derive(device_token.encode("utf-8"))


def encrypt_payload(plaintext: dict, device_token: str) -> dict:
    """``plaintext`` as JSON, AES-GCM encrypted for ``device_token``: returns
    ``{"cipher_text", "nonce", "salt"}``, each standard base64 text (the cipher text ends with
    the 16-byte GCM tag)."""
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(derive_key(device_token, salt)).encrypt(
        nonce, json.dumps(plaintext).encode("utf-8"), None
    )
    return {"cipher_text": _b64(sealed), "nonce": _b64(nonce), "salt": _b64(salt)}


def decrypt_payload(data: dict, device_token: str) -> dict:
    """What the app does with a push's ``data`` (``cipher_text``, ``nonce``, ``salt`` in
    base64): the plain payload dict. Raises ``cryptography.exceptions.InvalidTag`` for a wrong
    token or altered data."""
    salt, nonce, sealed = (base64.b64decode(data[k]) for k in ("salt", "nonce", "cipher_text"))
    return json.loads(AESGCM(derive_key(device_token, salt)).decrypt(nonce, sealed, None))


def plaintext_payload(config: dict, subject: str, body: str, action: str, parameters: dict) -> dict:
    """The payload the app reads (Tautulli's field names). ``parameters`` are the notification
    parameters the pipeline passes (``notification_id`` is the notify_log row id)."""
    return {
        "notification_id": parameters.get("notification_id"),
        "subject": subject,
        "body": body,
        "action": action,
        "priority": config["priority"],
        "notification_type": config["notification_type"],
        "session_key": parameters.get("session_key", ""),
        "session_id": parameters.get("session_id", ""),
        "user_id": parameters.get("user_id", ""),
        "rating_key": parameters.get("rating_key", ""),
        "poster_thumb": parameters.get("poster_thumb", ""),
    }


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def push_devices():
    """The devices a notifier may push to, as Tautulli: official app (``official == 1``) with a
    OneSignal id."""
    from notifications.models import MobileDevice

    return (
        MobileDevice.objects.filter(official=1)
        .exclude(onesignal_id__isnull=True)
        .exclude(onesignal_id__in=("", ONESIGNAL_DISABLED))
        .order_by("id")
    )


def device_choices(config) -> dict:
    """The device select: ``{device_id: name}``, or grouped by platform
    (``{"Android": [{value, text}], "iOS": [...]}``) when devices of several platforms are
    registered, as Tautulli's form."""
    devices = list(push_devices())
    if len({d.platform for d in devices}) <= 1:
        return {d.device_id: str(d) for d in devices}
    groups: dict[str, list] = {}
    for d in devices:
        platform = "iOS" if d.platform == "ios" else (d.platform or "other").capitalize()
        groups.setdefault(platform, []).append({"value": d.device_id, "text": str(d)})
    return groups


class RemoteApp(Agent):
    """Sends an encrypted OneSignal push to the Tautulli Remote App on the chosen device."""

    id, name, label = 21, "remoteapp", "Tautulli Remote App"
    defaults = {"device_id": "", "priority": 3, "notification_type": 0}
    option_specs = (
        Opt(
            "",
            "help",
            "Note",
            "Pushes go through OneSignal; their content is encrypted with the device's token, "
            "but OneSignal still learns which device receives a push and when.",
        ),
        Opt(
            "device_id",
            "select",
            "Device",
            "The phone to notify: a Tautulli Remote App registered with a OneSignal id "
            "(register it from the app's settings).",
            device_choices,
        ),
        Opt(
            "priority",
            "select",
            "Priority",
            "How insistently Android shows the notification.",
            {1: "Minimum", 2: "Low", 3: "Normal", 4: "High"},
        ),
        Opt(
            "notification_type",
            "select",
            "Image",
            "Whether the notification shows the poster, and how (Android).",
            {0: "No image", 1: "Small image, expandable text", 2: "Large image"},
        ),
    )

    def options(self, config=None, *, mask_secrets=True):
        """As :meth:`Agent.options`; for an iOS device the image option is a checkbox
        ("include the poster"), as in Tautulli's form."""
        result = super().options(config, mask_secrets=mask_secrets)
        device_id = self.normalize(config)["device_id"]
        if device_id and push_devices().filter(device_id=device_id, platform="ios").exists():
            for item in result:
                if item.get("name") == f"{self.name}_notification_type":
                    item.update(
                        input_type="checkbox",
                        label="Include the poster",
                        description="Show the poster with the notification.",
                    )
                    item.pop("select_options", None)
        return result

    def send(self, config, subject, body, *, action, parameters):
        """POSTs the encrypted push to OneSignal; returns ``"HTTP <status>"``.

        Raises :class:`DeliveryError`: no device chosen, the device is no longer registered or
        has pushes off (not retryable); OneSignal answering 4xx (not retryable) or 5xx / a
        network error (retryable)."""
        from notifications.apiv2_devices import install_id
        from notifications.models import MobileDevice

        config = self.normalize(config)
        if not config["device_id"]:
            raise DeliveryError(
                "Tautulli Remote App: no device is selected for this notifier", retryable=False
            )
        device = MobileDevice.objects.filter(device_id=config["device_id"]).first()
        if device is None:
            raise DeliveryError(
                "Tautulli Remote App: the selected device is no longer registered",
                retryable=False,
            )
        if not device.onesignal_id or device.onesignal_id == ONESIGNAL_DISABLED:
            raise DeliveryError(
                f"Tautulli Remote App: {device} has no OneSignal id (push notifications are off "
                "in the app)",
                retryable=False,
            )
        if not device.device_token:
            raise DeliveryError(
                f"Tautulli Remote App: {device} has no device token to encrypt with",
                retryable=False,
            )
        plaintext = plaintext_payload(config, subject, body, action, parameters or {})
        payload = {
            "app_id": ONESIGNAL_APP_ID,
            "include_subscription_ids": [device.onesignal_id],
            "contents": {"en": PUSH_TEXT},
            "data": {
                "encrypted": True,
                "version": PAYLOAD_VERSION,
                **encrypt_payload(plaintext, device.device_token),
                "server_id": install_id(),
            },
        }
        return http_request(self, config, "POST", onesignal_url(), json=payload)
