"""Checking that a configured Plex Media Server answers, with plexapi (the admin's "Test connection").

:func:`probe` asks PMS for its root (``GET /`` with ``X-Plex-Token``) through
``plexapi.server.PlexServer`` and turns every failure into one readable message;
:func:`test_connection` probes a :class:`~servers.models.Server` and, on success, stores what PMS
said about itself (name, version, platform, machine identifier, Plex Pass).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from plexapi.server import PlexServer

from .client import DEFAULT_TIMEOUT, PLEX_ERRORS, describe_error


@dataclass(frozen=True)
class ConnectionResult:
    """What a connection test found.

    ``ok`` is True when PMS answered its root with a valid token; then ``name`` (PMS
    ``friendlyName``), ``version``, ``machine_identifier``, ``platform`` and ``plexpass``
    (``myPlexSubscription``) are filled. Otherwise ``error`` says why, in words an admin can act on
    (never containing the token).
    """

    ok: bool
    name: str = ""
    version: str = ""
    machine_identifier: str = ""
    platform: str = ""
    plexpass: bool = False
    error: str = ""

    def summary(self) -> str:
        """``"Plex Server, 1.40.1.8227, machine identifier abc123"`` or the error."""
        if self.ok:
            return f"{self.name}, {self.version}, machine identifier {self.machine_identifier}"
        return self.error


def probe(url: str, token: str, timeout: float = DEFAULT_TIMEOUT) -> ConnectionResult:
    """Connect to the PMS at ``url`` (``http(s)://host:port``) with ``token``; never raises.

    Failures map to: unauthorized (HTTP 401: wrong or missing token), unreachable (connection
    refused, DNS failure, TLS error), timeout (no answer within ``timeout`` seconds), bad XML
    (an answer that is not Plex's XML, or XML without a machine identifier), other HTTP errors.
    """
    if not url:
        return ConnectionResult(ok=False, error="No URL is set for this server.")
    with requests.Session() as session:
        try:
            plex = PlexServer(url, token or None, session=session, timeout=timeout)
        except PLEX_ERRORS as exc:
            return ConnectionResult(ok=False, error=describe_error(exc, url, timeout))
        identifier = getattr(plex, "machineIdentifier", None)
        if not identifier:
            return ConnectionResult(
                ok=False,
                error=f"Bad XML: {url} answered without a machine identifier "
                "(not a Plex Media Server?).",
            )
        return ConnectionResult(
            ok=True,
            name=getattr(plex, "friendlyName", None) or "",
            version=getattr(plex, "version", None) or "",
            machine_identifier=identifier,
            platform=getattr(plex, "platform", None) or "",
            plexpass=bool(getattr(plex, "myPlexSubscription", None)),
        )


def test_connection(server, timeout: float = DEFAULT_TIMEOUT) -> ConnectionResult:
    """Probe ``server`` (a :class:`servers.models.Server`) and on success save its identity.

    On success ``name``, ``version``, ``platform``, ``machine_identifier`` and ``plexpass`` are
    updated from PMS. If another Server row already has the machine identifier PMS reported, the
    test fails (two rows for one PMS would split its history) and nothing is saved.
    """
    result = probe(server.url, server.token, timeout=timeout)
    if not result.ok:
        return result
    duplicate = (
        type(server)
        .objects.filter(machine_identifier=result.machine_identifier)
        .exclude(pk=server.pk)
        .first()
    )
    if duplicate is not None:
        return ConnectionResult(
            ok=False,
            name=result.name,
            version=result.version,
            machine_identifier=result.machine_identifier,
            platform=result.platform,
            plexpass=result.plexpass,
            error=(
                f"{result.name} (machine identifier {result.machine_identifier}) is already "
                f"configured as server {duplicate.name!r}."
            ),
        )
    server.name = result.name or server.name
    server.version = result.version
    server.platform = result.platform
    server.machine_identifier = result.machine_identifier
    server.plexpass = result.plexpass
    if server.pk:
        server.save(update_fields=["name", "version", "platform", "machine_identifier", "plexpass"])
    return result


# Not a pytest test, even when imported into a test module.
test_connection.__test__ = False
