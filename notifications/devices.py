"""Tautulli Remote devices as /api/v2 callers: their ``device_token`` is accepted as the API key
with ``app=true`` (registered with the dispatcher in ``NotificationsConfig.ready``)."""

from core import clock

from .models import MobileDevice


def authenticate_device_token(token: str) -> bool:
    """True when ``token`` is a registered device's token; stamps the device's ``last_seen``."""
    return bool(MobileDevice.objects.filter(device_token=token).update(last_seen=clock.now()))
