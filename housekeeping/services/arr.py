"""What the Radarr and Sonarr clients share: a pyarr API object on a recording session, its
errors turned into :class:`~housekeeping.services.base.ServiceUnavailable` /
:class:`~housekeeping.services.base.ServiceNotFound`, and the disk space of the root folders."""

from __future__ import annotations

import contextlib

import requests
from pyarr.exceptions import PyarrError, PyarrResourceNotFound

from housekeeping.services.base import (
    ServiceNotFound,
    ServiceUnavailable,
    _Session,
    label,
    one_line,
)


class ArrClient:
    """Base of :class:`~housekeeping.services.radarr.RadarrClient` and
    :class:`~housekeeping.services.sonarr.SonarrClient` (v3 API through pyarr 5.2.0).

    ``sent``: every request sent so far, ``{"service", "method", "path", "query"?, "json"?}``.
    """

    api_class = None

    def __init__(self, service):
        self.service = service
        self.label = label(service)
        self.sent: list[dict] = []
        self.api = self.api_class(service.url, service.api_key)
        self.api.session = _Session(self.label, service.verify_ssl, self.sent)

    @contextlib.contextmanager
    def _calling(self):
        """Turn pyarr's and requests' errors into ours (one line, no key)."""
        try:
            yield
        except PyarrResourceNotFound as error:
            raise ServiceNotFound(f"{self.label}: not found") from error
        except (PyarrError, requests.RequestException, ValueError, AssertionError) as error:
            raise ServiceUnavailable(one_line(self.label, error)) from error

    def call(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` with errors translated (see :meth:`_calling`)."""
        with self._calling():
            return fn(*args, **kwargs)

    def delete(self, path: str, params: dict | None = None, data=None):
        """``DELETE /api/v3/<path>`` (pyarr has no method for some of the deletes we need)."""
        return self.call(self.api._delete, path, self.api.ver_uri, params=params, data=data)

    def put(self, path: str, data, params: dict | None = None):
        """``PUT /api/v3/<path>`` with a JSON body."""
        return self.call(self.api._put, path, self.api.ver_uri, params=params, data=data)

    def status(self) -> dict:
        """``GET /api/v3/system/status`` (the version, to test a connection)."""
        return self.call(self.api.get_system_status)

    def disk_space(self) -> tuple[int | None, int | None]:
        """Free and total bytes of the disks the root folders are on (each disk once): the
        ``/diskspace`` entry whose path is the longest prefix of each ``/rootfolder`` path.
        ``(None, None)`` when no root folder is configured."""
        roots = self.call(self.api.get_root_folder)
        disks = self.call(self.api.get_disk_space)
        chosen = {}
        for root in roots:
            path = (root.get("path") or "").rstrip("/") + "/"
            best = None
            for disk in disks:
                disk_path = (disk.get("path") or "").rstrip("/") + "/"
                if path.startswith(disk_path) and (
                    best is None or len(disk_path) > len(best["path"].rstrip("/") + "/")
                ):
                    best = disk
            if best is not None:
                chosen[best["path"]] = best
            elif root.get("freeSpace") is not None:
                chosen[root["path"]] = {
                    "path": root["path"],
                    "freeSpace": root["freeSpace"],
                    "totalSpace": root.get("totalSpace"),
                }
        if not chosen:
            return None, None
        free = sum(int(d.get("freeSpace") or 0) for d in chosen.values())
        totals = [d.get("totalSpace") for d in chosen.values()]
        total = sum(int(t) for t in totals) if all(t is not None for t in totals) else None
        return free, total
