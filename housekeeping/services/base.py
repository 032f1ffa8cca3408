"""What the service clients share: the error type, the session (timeout, TLS verification,
the record of requests sent) and :func:`client_for`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import requests

TIMEOUT = 30  # seconds, per request


class ServiceError(Exception):
    """A media service call went wrong. ``str(error)`` is one readable line, without the key."""


class ServiceUnavailable(ServiceError):
    """The service did not answer usefully: unreachable, timed out, refused the key, or
    answered with an HTTP error. Never means "the item is gone"."""


class ServiceNotFound(ServiceError):
    """The service answered 404 for one item: it no longer has it."""


class _Session(requests.Session):
    """A ``requests`` session with a default timeout that records every request it sends."""

    def __init__(self, service_label: str, verify: bool, sent: list[dict]):
        super().__init__()
        self.verify = verify
        self._label = service_label
        self._sent = sent

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        params = kwargs.get("params")
        if isinstance(params, dict):
            query.update({k: _plain(v) for k, v in params.items() if v is not None})
        entry = {"service": self._label, "method": method.upper(), "path": parts.path}
        if query:
            entry["query"] = query
        if kwargs.get("json") is not None:
            entry["json"] = kwargs["json"]
        self._sent.append(entry)
        return super().request(method, url, *args, **kwargs)


def _plain(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def one_line(service_label: str, error: BaseException) -> str:
    """A readable one-line description of ``error`` (no key, no traceback)."""
    if isinstance(error, requests.ConnectionError):
        text = "cannot connect"
    elif isinstance(error, requests.Timeout):
        text = f"no answer within {TIMEOUT} s"
    else:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"{service_label}: {text}"[:500]


def label(service) -> str:
    """``"radarr:Main"`` — the kind and name of a :class:`~housekeeping.models.MediaService`."""
    return f"{service.kind}:{service.name}"


def client_for(service):
    """The client of a :class:`~housekeeping.models.MediaService` (by its ``kind``)."""
    from housekeeping.models import MediaService
    from housekeeping.services.overseerr import OverseerrClient
    from housekeeping.services.radarr import RadarrClient
    from housekeeping.services.sonarr import SonarrClient

    kinds = {
        MediaService.RADARR: RadarrClient,
        MediaService.SONARR: SonarrClient,
        MediaService.OVERSEERR: OverseerrClient,
        MediaService.JELLYSEERR: OverseerrClient,
    }
    return kinds[service.kind](service)
