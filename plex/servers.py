"""Which server a command is about."""

from core.tautulli_api import ApiError, Params

from .models import Server


def server_from_params(params: Params, *, default_first: bool = True) -> Server | None:
    """The server named by the optional ``server`` parameter (id, name or machine identifier).

    Without it: the first server when ``default_first`` (Tautulli commands that are about "the"
    server), else None (commands that span all servers). An unknown server raises ApiError.
    """
    value = params.str("server")
    if value is None:
        return Server.objects.default() if default_first else None
    queryset = Server.objects.all()
    server = (
        (queryset.filter(pk=int(value)).first() if value.isdigit() else None)
        or queryset.filter(machine_identifier=value).first()
        or queryset.filter(name=value).first()
    )
    if server is None:
        raise ApiError(f"Unknown server: {value}")
    return server


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
