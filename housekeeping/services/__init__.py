"""Clients of the media services housekeeping talks to (Radarr and Sonarr v3 through pyarr,
Overseerr / Jellyseerr v1 through ``requests``), and the sync that copies what they list into
:class:`housekeeping.models.ExternalMedia` (:mod:`housekeeping.services.sync`).

Every client raises :class:`ServiceUnavailable` (one readable line, never the API key) when the
service cannot answer, and records what it sent in ``client.sent`` (method, service, path,
query, json; never a key) for the audit.
"""

from housekeeping.services.base import (
    ServiceError,
    ServiceNotFound,
    ServiceUnavailable,
    client_for,
)

__all__ = ["ServiceError", "ServiceNotFound", "ServiceUnavailable", "client_for"]
