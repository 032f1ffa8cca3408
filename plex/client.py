"""plexapi ``PlexServer`` objects for configured servers, and failures in words an admin can act on.

:func:`connect` is how the monitor, the reconciling poll and the /api/v2 commands reach a
:class:`~servers.models.Server`: it builds ``plexapi.server.PlexServer`` (which reads ``GET /``) and
keeps it for :data:`CONNECTION_TTL` seconds per process, so that a command does not pay for a
second round trip each time. Every failure is raised as :class:`PlexUnavailable` carrying one
readable line (never the token); a token PMS rejects (HTTP 401) as its subclass
:class:`PlexUnauthorized`, so the monitor can tell an expired token from an outage
(on_tokenexpired, :func:`plex.activity.reachability.token_rejected`).
"""

from __future__ import annotations

import threading
import time
from xml.etree.ElementTree import ParseError

import requests
from plexapi.exceptions import BadRequest, NotFound, PlexApiException, Unauthorized
from plexapi.server import PlexServer

from core import log_once

DEFAULT_TIMEOUT = 10  # seconds, for connecting and for each read
CONNECTION_TTL = 300  # seconds a PlexServer object is reused for a server

_cache: dict[tuple, tuple[float, PlexServer]] = {}
_cache_lock = threading.Lock()


class PlexUnavailable(Exception):
    """A Plex Media Server could not be used; ``str(exc)`` is one readable line without the token."""


class PlexUnauthorized(PlexUnavailable):
    """PMS rejected the token (HTTP 401, plexapi's ``Unauthorized``)."""


def unavailable(exc: BaseException, url: str, timeout: float = DEFAULT_TIMEOUT) -> PlexUnavailable:
    """The :class:`PlexUnavailable` to raise for ``exc`` (a :data:`PLEX_ERRORS` from talking to
    ``url``): :class:`PlexUnauthorized` for plexapi's ``Unauthorized``; its text is
    :func:`describe_error`'s."""
    cls = PlexUnauthorized if isinstance(exc, Unauthorized) else PlexUnavailable
    return cls(describe_error(exc, url, timeout))


def describe_error(exc: BaseException, url: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """One line saying why talking to the PMS at ``url`` failed (never containing the token).

    Unauthorized (HTTP 401), HTTP errors, timeouts, TLS errors, refused connections, invalid
    URLs, and answers that are not Plex's XML each get their own wording.
    """
    if isinstance(exc, Unauthorized):
        return f"Unauthorized: {url} rejected the token (HTTP 401)."
    if isinstance(exc, (BadRequest, NotFound)):
        status = str(exc).split(")", 1)[0].lstrip("(")
        return f"HTTP error {status} from {url}: is this a Plex Media Server?"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"Timeout: {url} did not answer within {timeout:g} s."
    if isinstance(exc, requests.exceptions.SSLError):
        return f"Unreachable: TLS error with {url} ({exc})."
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"Unreachable: could not connect to {url} (refused or no route)."
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return f"Invalid URL {url!r}: expected e.g. http://192.168.1.10:32400."
    if isinstance(exc, ParseError):
        return f"Bad XML: {url} answered something that is not Plex XML."
    text = f"{type(exc).__name__}: {exc}"
    if "X-Plex-Token" in text or "token" in text.lower():
        text = type(exc).__name__
    return f"Request to {url} failed: {text}"


# What plexapi raises when PMS is down, slow, rejects us or answers junk.
PLEX_ERRORS = (PlexApiException, requests.exceptions.RequestException, ParseError)


def connect(server, timeout: float = DEFAULT_TIMEOUT, *, fresh: bool = False) -> PlexServer:
    """A ``PlexServer`` for ``server`` (a :class:`servers.models.Server`), reused for
    :data:`CONNECTION_TTL` seconds unless ``fresh``.

    Raises :class:`PlexUnavailable` (one readable line) when the server has no URL or cannot be
    reached, rejects the token (:class:`PlexUnauthorized`), or does not answer Plex XML within ``timeout`` seconds. When PMS
    answers, the server's logged conditions (``("pms", server.pk, ...)``, see
    :func:`log_unavailable`) are cleared.
    """
    if not server.url:
        raise PlexUnavailable(f"No URL is set for server {server.name!r}.")
    key = (server.pk, server.url, server.token, timeout)
    now = time.monotonic()
    if not fresh:
        with _cache_lock:
            cached = _cache.get(key)
        if cached and now - cached[0] < CONNECTION_TTL:
            return cached[1]
    try:
        plex = PlexServer(server.url, server.token or None, timeout=timeout)
    except PLEX_ERRORS as exc:
        forget(server)
        raise unavailable(exc, server.url, timeout) from None
    with _cache_lock:
        _cache[key] = (now, plex)
    log_once.clear(("pms", server.pk))
    return plex


def call_pms(server, call, *, timeout: float = DEFAULT_TIMEOUT):
    """``call(plex)`` on the ``PlexServer`` of ``server`` (:func:`connect`); None when PMS answers
    HTTP 404 (plexapi's ``NotFound``: no such item).

    Any other failure is raised as :class:`PlexUnavailable` (:class:`PlexUnauthorized` for HTTP
    401) and the cached connection dropped.
    """
    plex = connect(server, timeout)
    try:
        return call(plex)
    except NotFound:
        return None
    except PLEX_ERRORS as exc:
        forget(server)
        raise unavailable(exc, server.url, timeout) from None


def call_pms_as(server, token: str, call, *, timeout: float = DEFAULT_TIMEOUT):
    """``call(plex)`` on a ``PlexServer`` of ``server`` signed in with another account's
    ``token`` (a shared user's server token, :attr:`users.models.User.server_token`: what
    plexapi's ``PlexServer.switchUser`` would fetch from plex.tv); None when PMS answers HTTP
    404. Not cached, and a failure leaves the server's own connection alone: it raises
    :class:`PlexUnavailable` (:class:`PlexUnauthorized` when PMS rejects that token)."""
    if not server.url:
        raise PlexUnavailable(f"No URL is set for server {server.name!r}.")
    try:
        return call(PlexServer(server.url, token, timeout=timeout))
    except NotFound:
        return None
    except PLEX_ERRORS as exc:
        raise unavailable(exc, server.url, timeout) from None


def log_unavailable(logger, server, where: str, error) -> None:
    """Log ``"<where>: <server name> is unavailable: <error>"`` as a warning once per server,
    ``where`` (a command name) and error text, until :func:`connect` reaches PMS again
    (:mod:`core.log_once`): a dashboard polling a server that is down or has no URL writes one
    line, not one per request."""
    log_once.warn_once(
        logger, ("pms", server.pk, where), "%s: %s is unavailable: %s", where, server.name, error
    )


def forget(server) -> None:
    """Drop the cached ``PlexServer`` of ``server`` (after a failure, or a changed URL/token)."""
    with _cache_lock:
        for key in [key for key in _cache if key[0] == server.pk]:
            del _cache[key]


def clear_cache() -> None:
    """Forget every cached ``PlexServer`` (tests start each with a fresh fake PMS)."""
    with _cache_lock:
        _cache.clear()
