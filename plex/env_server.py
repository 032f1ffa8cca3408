"""Adding a Plex server: one row per PMS, found by its machine identifier.

A server is its PMS's ``machineIdentifier`` (Tautulli's ``library_sections.server_id``). A Tautulli
import creates the row of the PMS it came from without a URL; adding that PMS later (the admin's
add form, ``PLEX_URL``) must fill in that row rather than create a second one, or its history
would be split over two servers (issue 10). :func:`join_existing` does it for both;
:func:`ensure_env_server` is the ``PLEX_URL`` / ``PLEX_TOKEN`` side.
"""

import logging

from servers.models import DEMO_MACHINE_IDENTIFIER, Server

from .connection import ConnectionResult, probe

logger = logging.getLogger(__name__)

# Seconds to wait for PMS when adding a server: a server that is down must not hold up the
# admin's form or the monitor's start for long (it is then added as typed).
ADD_TIMEOUT = 5.0


def join_existing(
    server: Server, *, rename: bool = False, timeout: float = ADD_TIMEOUT
) -> tuple[Server | None, ConnectionResult]:
    """Ask the PMS at ``server.url`` (with ``server.token``) who it is → ``(joined, probe)``.

    When another row already has the machine identifier PMS reports (a server imported from
    Tautulli, or the same PMS under another URL), that row gets ``server``'s URL, token (when
    one is given), active flag and, with ``rename``, name, and what PMS says of itself (version,
    platform, Plex Pass), and is saved and returned: ``server`` itself must then not be saved. Otherwise ``joined``
    is None and, when PMS answered, ``server`` (unsaved) gets its identity (machine identifier,
    version, platform, Plex Pass). ``probe`` is the connection test's result (``probe.error``
    says why PMS could not be asked). Never raises for PMS failures.
    """
    result = probe(server.url, server.token, timeout=timeout)
    if not result.ok:
        return None, result
    existing = (
        Server.objects.joinable(result.machine_identifier)
        if result.machine_identifier != DEMO_MACHINE_IDENTIFIER
        else None
    )
    target = existing if existing is not None and existing.pk != server.pk else server
    target.version = result.version
    target.platform = result.platform
    target.plexpass = result.plexpass
    target.machine_identifier = result.machine_identifier
    if target is server:
        return None, result
    target.url = server.url
    if server.token:
        target.token = server.token
    target.is_active = server.is_active
    if rename and server.name:
        target.name = server.name
    target.save()
    logger.info(
        "%s: joined the existing server %r (same machine identifier).", target.url, target.name
    )
    return target, result


def ensure_env_server(environ=None, timeout: float = ADD_TIMEOUT) -> Server | None:
    """Create or update the server named by ``PLEX_URL`` / ``PLEX_TOKEN`` in the environment.

    With ``PLEX_URL`` set, the server that gets the URL, the token (when given) and
    ``is_active``: the one with that URL; else the one whose machine identifier the PMS at that
    URL reports (:func:`join_existing`: e.g. the server a Tautulli import created); else, when
    PMS answered, a new server with PMS's name and identity; else (PMS unreachable, identity
    unknown) the first server other than the demo, else a new "Plex Media Server". Returns it.
    Without ``PLEX_URL``: None, nothing changes. Raises ValueError for a URL that is not
    http(s).
    """
    import os

    environ = os.environ if environ is None else environ
    url = (environ.get("PLEX_URL") or "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"PLEX_URL must start with http:// or https://, got {url!r}")
    token = (environ.get("PLEX_TOKEN") or "").strip()

    server = Server.objects.filter(url=url).first()
    if server is None:
        candidate = Server(name="Plex Media Server", url=url, token=token, is_active=True)
        joined, result = join_existing(candidate, timeout=timeout)
        if joined is not None:
            return joined
        if result.ok:
            candidate.name = result.name or candidate.name
            candidate.save()
            return candidate
        logger.warning("PLEX_URL: %s; its machine identifier is not known yet.", result.error)
        server = (
            Server.objects.exclude(machine_identifier=DEMO_MACHINE_IDENTIFIER)
            .order_by("-is_active", "id")
            .first()
        ) or Server(name="Plex Media Server")
    server.url = url
    if token:
        server.token = token
    server.is_active = True
    server.save()
    return server
