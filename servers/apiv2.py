"""The ``server`` parameter of /api/v2 commands, for every app's adapter (no commands here)."""

from core.tautulli_api import ApiError, Params

from .models import Server


def server_from_params(params: Params, *, default_first: bool = True) -> Server | None:
    """The server named by the optional ``server`` parameter (id, name or machine identifier,
    see :meth:`ServerQuerySet.lookup`).

    Without it: the first server when ``default_first`` (Tautulli commands that are about "the"
    server), else None (commands that span all servers). An unknown server raises ApiError.
    """
    value = params.str("server")
    if value is None:
        return Server.objects.default() if default_first else None
    server = Server.objects.lookup(value)
    if server is None:
        raise ApiError(f"Unknown server: {value}")
    return server
