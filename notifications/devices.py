"""Tautulli Remote devices as /api/v2 callers (registered with the dispatcher in
``NotificationsConfig.ready``).

* A registered device's ``device_token`` is accepted as the API key with ``app=true``.
* To register, the app scans a QR code (``<server URL>|<token>``) holding a one-off
  registration token (Tautulli's temporary device token): accepted with ``app=true`` for
  ``register_device`` only, for :data:`REGISTRATION_SECONDS`, then it becomes the device's token.
  Registration tokens live in Django's cache (shared by the web server's processes).
"""

import hashlib
import secrets

from django.core.cache import cache

from core import clock

from .models import MobileDevice

REGISTRATION_SECONDS = 5 * 60  # Tautulli's


def _key(token: str) -> str:
    return "remote-app-registration:" + hashlib.sha256(token.encode()).hexdigest()


def issue_registration_token() -> str:
    """A new registration token (32 hex characters), valid :data:`REGISTRATION_SECONDS`."""
    token = secrets.token_hex(16)
    cache.set(_key(token), True, REGISTRATION_SECONDS)
    return token


def consume_registration_token(token: str) -> None:
    """Forget ``token`` once a device registered with it."""
    cache.delete(_key(token))


def authenticate_device_token(token: str, command: str = "") -> bool:
    """True when ``token`` is a registered device's token (stamping its ``last_seen``), or a
    live registration token and ``command`` is ``register_device``."""
    if MobileDevice.objects.filter(device_token=token).update(last_seen=clock.now()):
        return True
    return command == "register_device" and bool(cache.get(_key(token)))
