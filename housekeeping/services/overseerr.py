"""Overseerr / Jellyseerr v1 (``requests``, ``X-Api-Key``): list requests (paged), delete a
request, delete a media entry (which resets its status so it may be requested again)."""

from __future__ import annotations

import contextlib

import requests

from housekeeping.services.base import (
    ServiceNotFound,
    ServiceUnavailable,
    _Session,
    label,
    one_line,
)

PAGE = 100


class OverseerrClient:
    """One Overseerr or Jellyseerr (same v1 API). ``sent``: the requests sent (no key)."""

    def __init__(self, service):
        self.service = service
        self.label = label(service)
        self.sent: list[dict] = []
        self.base = service.url.rstrip("/") + "/api/v1"
        self.session = _Session(self.label, service.verify_ssl, self.sent)
        self.session.headers["X-Api-Key"] = service.api_key
        self.session.headers["Accept"] = "application/json"

    @contextlib.contextmanager
    def _calling(self):
        try:
            yield
        except requests.RequestException as error:
            raise ServiceUnavailable(one_line(self.label, error)) from error

    def _send(self, method: str, path: str, **kwargs):
        with self._calling():
            response = self.session.request(method, f"{self.base}/{path}", **kwargs)
        if response.status_code == 404:
            raise ServiceNotFound(f"{self.label}: not found")
        if response.status_code in (401, 403):
            raise ServiceUnavailable(f"{self.label}: the API key was refused")
        if response.status_code >= 400:
            raise ServiceUnavailable(f"{self.label}: HTTP {response.status_code}")
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise ServiceUnavailable(f"{self.label}: the answer is not JSON") from error

    def status(self) -> dict:
        """``GET /api/v1/status`` (the version, to test a connection)."""
        return self._send("GET", "status")

    def list_requests(self) -> list[dict]:
        """Every request: ``GET /api/v1/request?take=&skip=&filter=all`` page after page
        (``pageInfo.pages``)."""
        results, skip = [], 0
        while True:
            page = self._send(
                "GET", "request", params={"take": PAGE, "skip": skip, "filter": "all"}
            )
            if not isinstance(page, dict):
                raise ServiceUnavailable(f"{self.label}: unexpected request list")
            batch = page.get("results") or []
            results.extend(batch)
            info = page.get("pageInfo") or {}
            skip += PAGE
            if not batch or skip >= int(info.get("results") or 0):
                return results

    def delete_request(self, request_id: int):
        """``DELETE /api/v1/request/{id}``."""
        return self._send("DELETE", f"request/{request_id}")

    def delete_media(self, media_id: int):
        """``DELETE /api/v1/media/{id}``: forget the media (its status, so it can be requested
        again)."""
        return self._send("DELETE", f"media/{media_id}")
