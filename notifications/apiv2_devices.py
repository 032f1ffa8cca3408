"""/api/v2 commands of the Tautulli Remote App's devices (reference 1.2): ``register_device``,
``set_mobile_device_config``, ``delete_mobile_device``.

A device registers with the key it was given (the API key, or with ``app=true`` a device token
already known); that key becomes its ``device_token``, which it then uses with ``app=true``.
"""

import hashlib

from django.conf import settings

from core import clock
from core.apiv2 import get_tautulli_info
from core.tautulli_api import ApiError, api_command
from plex.apiv2 import server_info
from servers.apiv2 import server_from_params

from .devices import consume_registration_token
from .models import MobileDevice


def install_id() -> str:
    """This installation's id (Tautulli's ``PMS_UUID``): 32 hex characters, stable for as long
    as the installation keeps its secret key."""
    return hashlib.sha256(f"tautulli-server-id:{settings.SECRET_KEY}".encode()).hexdigest()[:32]


def _version(value: str) -> tuple[int, ...]:
    digits = [part for part in value.lstrip("v").split("-")[0].split(".")]
    return tuple(int(part) if part.isdigit() else 0 for part in digits)


@api_command()
def register_device(request, params):
    """Registers the Tautulli Remote App.

    Required parameters: device_id (str): the device's unique id; device_name (str): its name.

    Optional parameters: platform (str); version (str): the app's version; friendly_name (str);
    onesignal_id (str): the device's push id (default: device_id); min_version (str): the
    oldest Tautulli version the app supports, e.g. "v2.5.6".

    Returns: json: {"server_id": "...", "pms_name": "...", ..., "tautulli_version": "v2.17.2",
    ...}, message "Device registration successful."
    """
    device_id = params.text("device_id")
    device_name = params.text("device_name")
    if not device_id:
        return {"result": "error", "message": "Device registration failed: no device id provided."}
    if not device_name:
        return {
            "result": "error",
            "message": "Device registration failed: no device name provided.",
        }
    min_version = params.str("min_version")
    ours = settings.TAUTULLI_COMPAT_VERSION
    if min_version and _version(min_version) > _version(ours):
        return {
            "result": "error",
            "message": f"Device registration failed: Tautulli version {ours} does not meet "
            f"the minimum requirement of {min_version}.",
        }
    MobileDevice.objects.update_or_create(
        device_id=device_id,
        defaults={
            "device_token": request.tautulli_api_key,
            "device_name": device_name,
            "platform": params.text("platform"),
            "version": params.text("version"),
            "friendly_name": params.text("friendly_name", ""),
            "onesignal_id": params.text("onesignal_id") or device_id,
            "last_seen": clock.now(),
        },
    )
    consume_registration_token(request.tautulli_api_key)
    server = server_from_params(params)
    data = {"server_id": install_id(), **server_info(server), "pms_is_cloud": 0}
    data.update(get_tautulli_info(request, params))
    return {"message": "Device registration successful.", **data}


def _device(params) -> MobileDevice | None:
    mobile_device_id = params.int("mobile_device_id", minimum=1)
    if mobile_device_id is not None:
        return MobileDevice.objects.filter(pk=mobile_device_id).first()
    device_id = params.text("device_id")
    if device_id:
        return MobileDevice.objects.filter(device_id=device_id).first()
    raise ApiError("Parameter mobile_device_id is required")


@api_command()
def set_mobile_device_config(request, params):
    """Configure an existing mobile device.

    Required parameters: mobile_device_id (int).

    Optional parameters: friendly_name (str).

    Returns: message "Saved mobile device."
    """
    device = _device(params)
    if device is None:
        return {"result": "error", "message": "Failed to save mobile device."}
    device.friendly_name = params.text("friendly_name", "")
    device.save(update_fields=["friendly_name"])
    return {"message": "Saved mobile device."}


@api_command()
def delete_mobile_device(request, params):
    """Remove a mobile device from the database.

    Required parameters: mobile_device_id (int) or device_id (str).

    Returns: message "Deleted mobile device."
    """
    device = _device(params)
    if device is None:
        return {"result": "error", "message": "Failed to delete device."}
    device.delete()
    return {"message": "Deleted mobile device."}
