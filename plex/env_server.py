"""The first server, configured from the environment (``PLEX_URL`` / ``PLEX_TOKEN``)."""

from servers.models import Server


def ensure_env_server(environ=None) -> Server | None:
    """Create or update the first server from ``PLEX_URL`` / ``PLEX_TOKEN`` in the environment.

    With ``PLEX_URL`` set: the server with that URL (else the first server, else a new one named
    "Plex Media Server") gets the URL and, when given, the token; returns it. Without
    ``PLEX_URL``: None, nothing changes. Raises ValueError for a URL that is not http(s).
    """
    import os

    environ = os.environ if environ is None else environ
    url = (environ.get("PLEX_URL") or "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"PLEX_URL must start with http:// or https://, got {url!r}")
    token = (environ.get("PLEX_TOKEN") or "").strip()
    from .demo import DEMO_MACHINE_IDENTIFIER

    server = (
        Server.objects.filter(url=url).first()
        or Server.objects.exclude(machine_identifier=DEMO_MACHINE_IDENTIFIER).default()
    )
    if server is None:
        server = Server(name="Plex Media Server")
    server.url = url
    if token:
        server.token = token
    server.is_active = True
    server.save()
    return server
