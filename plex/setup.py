"""Adding a server from the Plex sign-in (first-run setup, or "Add a server with Plex").

The account's owned servers come from plex.tv (:func:`plex.signin.plex_account`); each of their
connections is tried with plexapi (:func:`plex.connection.probe`, the token being the resource's
access token) and the chosen one becomes a :class:`servers.models.Server` with its URL, token and
machine identifier. Such a server has a URL and is not the demo, so the monitor watches it at
its next reload and ``scripts/run`` removes the demo at the next start
(:func:`plex.demo.demo_wanted`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from servers.models import Server

from .connection import ConnectionResult, probe
from .signin import OwnedServer

CONNECTION_TIMEOUT = 5  # seconds per connection tried


class SetupError(Exception):
    """The server could not be added; the message says why (never a token)."""


@dataclass(frozen=True)
class ConnectionTest:
    """The result of trying ``uri``: ``result.ok`` and PMS's identity, or ``result.error``."""

    uri: str
    kind: str
    result: ConnectionResult


def test_connections(
    server: OwnedServer, timeout: float = CONNECTION_TIMEOUT
) -> list[ConnectionTest]:
    """Try every connection of ``server`` in plex.tv's order; one result per connection."""
    return [
        ConnectionTest(uri=c.uri, kind=c.kind, result=probe(c.uri, server.access_token, timeout))
        for c in server.connections
    ]


test_connections.__test__ = False  # not a pytest test


def add_server(server: OwnedServer, uri: str, timeout: float = CONNECTION_TIMEOUT) -> Server:
    """Add ``server`` reached at ``uri`` (one of its connections) as a monitored Server.

    Raises :class:`SetupError` when ``uri`` is not one of its connections, does not answer, is
    another PMS than plex.tv says, or the server is already configured; nothing is saved then.
    """
    if uri not in {c.uri for c in server.connections}:
        raise SetupError("Pick one of the server's connections.")
    if Server.objects.filter(machine_identifier=server.client_identifier).exists():
        raise SetupError(f"{server.name} is already configured.")
    result = probe(uri, server.access_token, timeout)
    if not result.ok:
        raise SetupError(f"{server.name} did not answer at {uri}: {result.error}")
    if result.machine_identifier != server.client_identifier:
        raise SetupError(f"{uri} is another Plex server than {server.name}.")
    try:
        with transaction.atomic():
            return Server.objects.create(
                name=result.name or server.name,
                url=uri,
                token=server.access_token,
                machine_identifier=result.machine_identifier,
                version=result.version,
                platform=result.platform,
                plexpass=result.plexpass,
            )
    except IntegrityError as exc:  # added meanwhile by another request
        raise SetupError(f"{server.name} is already configured.") from exc
