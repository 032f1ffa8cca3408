"""What a Plex Media Server says about itself (``/identity``, ``/servers``, ``/``), the identity
of any address, and plex.tv's list of the servers of a token's account.

Every function raises :class:`plex.client.PlexUnavailable` (one readable line, never the token)
when PMS or plex.tv is unreachable, rejects the token or answers junk.
"""

from __future__ import annotations

import requests

from .client import DEFAULT_TIMEOUT, PLEX_ERRORS, PlexUnavailable, call_pms, connect, describe_error
from .pms_fields import to_text


def server_identity(server, *, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """PMS's ``/identity`` as ``{machine_identifier, version}`` (Tautulli's
    ``get_server_identity``). Raises PlexUnavailable."""
    data = call_pms(server, timeout=timeout, call=lambda plex: plex.query("/identity"))
    attrib = data.attrib if data is not None else {}
    return {
        "machine_identifier": attrib.get("machineIdentifier", ""),
        "version": attrib.get("version", ""),
    }


def servers_info(server, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """PMS's ``/servers`` as ``[{name, machine_identifier, host, port, version}]`` (strings,
    Tautulli's ``get_servers_info``). Raises PlexUnavailable."""
    data = call_pms(server, timeout=timeout, call=lambda plex: plex.query("/servers"))
    return [
        {
            "name": elem.attrib.get("name", ""),
            "machine_identifier": elem.attrib.get("machineIdentifier", ""),
            "host": elem.attrib.get("host", ""),
            "port": elem.attrib.get("port", ""),
            "version": elem.attrib.get("version", ""),
        }
        for elem in (data if data is not None else [])
        if elem.tag == "Server"
    ]


def friendly_name(server, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The name PMS gives itself (``friendlyName`` of ``GET /``). Raises PlexUnavailable."""
    return connect(server, timeout).friendlyName or ""


def server_list(server, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """The Plex Media Servers the account of ``server``'s token owns, one entry per connection,
    from plex.tv's resources (Tautulli's ``get_server_list``): ``[{httpsRequired, clientIdentifier,
    label, ip, port, uri, local, value, is_cloud}]``, strings except ``is_cloud``.

    plex.tv is reached through :func:`plex.sync.plex_session` (``settings.PLEX_TV_URL``). Raises
    PlexUnavailable when plex.tv cannot be read or rejects the token.
    """
    from plexapi.myplex import MyPlexAccount

    from .sync import plex_session

    if not server.token:
        raise PlexUnavailable(f"No token is set for server {server.name!r}.")
    try:
        with plex_session() as session:
            account = MyPlexAccount(token=server.token, session=session, timeout=timeout)
            resources = account.resources()
    except PLEX_ERRORS as exc:
        raise PlexUnavailable(describe_error(exc, "plex.tv", timeout)) from None
    servers = []
    for resource in resources:
        if "server" not in (resource.provides or "").split(",") or not resource.owned:
            continue
        is_cloud = "plex.tv" in (resource.platform or "").lower()
        for connection in resource.connections:
            servers.append(
                {
                    "httpsRequired": "1" if is_cloud or resource.httpsRequired else "0",
                    "clientIdentifier": resource.clientIdentifier or "",
                    "label": resource.name or "",
                    "ip": connection.address or "",
                    "port": to_text(connection.port),
                    "uri": connection.uri or "",
                    "local": "1" if connection.local else "0",
                    "value": f"{connection.address}:{connection.port}",
                    "is_cloud": is_cloud,
                }
            )
    return servers


def identifier_at(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The ``machineIdentifier`` a PMS at ``url`` (``http[s]://host:port``) gives on its open
    ``/identity`` (no token needed); "" when it answers but says none. Raises PlexUnavailable."""
    from xml.etree import ElementTree as ET

    try:
        response = requests.get(f"{url}/identity", timeout=timeout, headers={"Accept": "text/xml"})
        response.raise_for_status()
        root = ET.fromstring(response.content)
    except (requests.exceptions.RequestException, ET.ParseError) as exc:
        raise PlexUnavailable(describe_error(exc, url, timeout)) from None
    return root.attrib.get("machineIdentifier", "")
