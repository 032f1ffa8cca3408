"""The ``server`` parameter of /api/v2 commands, for every app's adapter (no commands here)."""

from django.utils.text import Truncator

from core.errors import InvalidInput
from core.tautulli_api import Params

from .models import Server


def server_named(value: str | None, *, default_first: bool = False) -> Server | None:
    """The server that ``value`` names (its id, machine identifier or name, see
    :meth:`ServerQuerySet.lookup`), for the adapters that read a ``server`` parameter (/api/v2,
    the REST schemas).

    Without a value: the first server when ``default_first``, else None (all servers). An
    unknown server raises :class:`~core.errors.InvalidInput` ("Unknown server: <value>", the value
    cut to 100 characters: a client's 5,000-character mistake is not echoed whole).
    """
    if value is None:
        return Server.objects.default() if default_first else None
    server = Server.objects.lookup(value)
    if server is None:
        raise InvalidInput(f"Unknown server: {Truncator(value).chars(100)}")
    return server


def server_from_params(params: Params, *, default_first: bool = True) -> Server | None:
    """The server named by the optional ``server`` parameter (:func:`server_named`).

    Without it: the first server when ``default_first`` (Tautulli commands that are about "the"
    server), else None (commands that span all servers). An unknown server raises
    :class:`~core.errors.InvalidInput`, answered like a bad parameter (HTTP 400).
    """
    return server_named(params.str("server"), default_first=default_first)
