"""Sign in with Plex: plex.tv's PIN flow (plexapi's ``MyPlexPinLogin``) and who the account is.

The flow, across browser requests (no thread waits on plex.tv):

1. :func:`start_pin` asks plex.tv for a PIN (``POST /api/v2/pins?strong=true``) and gives the
   Plex sign-in address (``app.plex.tv/auth``) that returns the browser to ``forward_url``;
2. the user signs in at plex.tv, which links the PIN to the account;
3. :func:`check_pin` polls the PIN once (``GET /api/v2/pins/<id>``): the account's token, or
   None while it is not linked;
4. :func:`plex_account` reads the account (``/api/v2/user``) and its resources
   (``/api/v2/resources``): who it is and which servers it owns;
5. :func:`owns_configured_server`: the owner is the account owning a watched server (a resource
   with ``owned`` whose ``clientIdentifier`` is a :attr:`servers.models.Server.machine_identifier`,
   the demo's excepted); everybody else may only be a guest (:mod:`users.accounts`).

Every plex.tv request goes through :func:`plex.sync.plex_session`, so ``PLEX_TV_URL`` reaches a
stand-in (tests: :mod:`plex.testing.plex_tv`). Tokens are never logged nor put in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import requests
from plexapi.exceptions import PlexApiException
from plexapi.myplex import MyPlexAccount, MyPlexPinLogin

from servers.models import Server
from users.accounts import PlexIdentity

from .sync import plex_session

PRODUCT = "Tautulli (Django)"
PLEX_TV_TIMEOUT = 15  # seconds per plex.tv request
PLEX_TV_ERRORS = (PlexApiException, requests.exceptions.RequestException, ParseError, ValueError)


class PlexSignInError(Exception):
    """plex.tv could not be reached or refused; the message is fit for the login page."""


@dataclass(frozen=True)
class PinStart:
    """A new PIN: ``pin_id`` and ``code`` (kept in the browser's session to poll it) and
    ``auth_url``, the plex.tv page where the user signs in."""

    pin_id: str
    code: str
    auth_url: str


@dataclass(frozen=True)
class ServerConnection:
    """One way to reach a server, as plex.tv lists it: ``uri``, ``local`` (same network),
    ``relay`` (through Plex's relay, bandwidth-limited)."""

    uri: str
    local: bool
    relay: bool

    @property
    def kind(self) -> str:
        return "relay" if self.relay else "local" if self.local else "remote"


@dataclass(frozen=True)
class OwnedServer:
    """A Plex Media Server the account owns (a ``provides="server"`` resource with ``owned``):
    ``client_identifier`` is PMS's machine identifier, ``presence`` whether plex.tv sees it online,
    ``access_token`` the token to reach it with (never shown)."""

    name: str
    client_identifier: str
    product_version: str
    platform: str
    presence: bool
    access_token: str = field(repr=False)
    connections: tuple[ServerConnection, ...] = ()


@dataclass(frozen=True)
class PlexAccountInfo:
    """The signed-in plex.tv account and the servers it owns."""

    identity: PlexIdentity
    servers: tuple[OwnedServer, ...]


class _WebPinLogin(MyPlexPinLogin):
    """plexapi's PIN login, resumable: plexapi keeps the PIN's id and code on the object that
    created it (no public accessor), and a web sign-in polls it from later requests, maybe in
    another worker process."""

    @classmethod
    def resume(cls, pin_id: str, code: str, **kwargs) -> _WebPinLogin:
        pin = cls(**kwargs)
        pin._id, pin._code = pin_id, code
        return pin

    @property
    def pin_id(self) -> str:
        return str(self._id)

    @property
    def code(self) -> str:
        return self._code


def _headers() -> dict[str, str]:
    return {"X-Plex-Product": PRODUCT, "X-Plex-Device-Name": PRODUCT}


def start_pin(forward_url: str) -> PinStart:
    """Create a PIN on plex.tv; ``forward_url`` (absolute) is where plex.tv sends the browser
    back after the sign-in. Raises :class:`PlexSignInError` when plex.tv does not answer."""
    try:
        with plex_session() as session:
            pin = _WebPinLogin(
                session=session, requestTimeout=PLEX_TV_TIMEOUT, headers=_headers(), oauth=True
            )
            auth_url = pin.oauthUrl(forwardUrl=forward_url)
    except PLEX_TV_ERRORS as exc:
        raise PlexSignInError(f"plex.tv could not be reached ({type(exc).__name__}).") from exc
    return PinStart(pin_id=pin.pin_id, code=pin.code, auth_url=auth_url)


def check_pin(pin_id: str, code: str) -> str | None:
    """The plex.tv token of the account that signed in with PIN ``pin_id``; None while the user
    has not signed in yet. Raises :class:`PlexSignInError` when plex.tv does not answer or the
    PIN is unknown (expired after 15 minutes)."""
    try:
        with plex_session() as session:
            pin = _WebPinLogin.resume(
                pin_id, code, session=session, requestTimeout=PLEX_TV_TIMEOUT, headers=_headers()
            )
            return pin.token if pin.checkLogin() else None
    except PLEX_TV_ERRORS as exc:
        raise PlexSignInError(
            "The Plex sign-in expired or plex.tv could not be reached; please start again."
        ) from exc


def _owned_server(resource) -> OwnedServer:
    return OwnedServer(
        name=resource.name or resource.clientIdentifier,
        client_identifier=resource.clientIdentifier,
        product_version=resource.productVersion or "",
        platform=resource.platform or "",
        presence=bool(resource.presence),
        access_token=resource.accessToken or "",
        connections=tuple(
            ServerConnection(uri=c.uri, local=bool(c.local), relay=bool(c.relay))
            for c in resource.connections
            if c.uri
        ),
    )


def plex_account(token: str) -> PlexAccountInfo:
    """Who holds ``token`` (``/api/v2/user``) and the servers the account owns
    (``/api/v2/resources``). Raises :class:`PlexSignInError` when plex.tv refuses the token or
    cannot be read."""
    try:
        with plex_session() as session:
            account = MyPlexAccount(token=token, session=session, timeout=PLEX_TV_TIMEOUT)
            resources = account.resources()
    except PLEX_TV_ERRORS as exc:
        raise PlexSignInError(
            f"plex.tv did not accept the sign-in ({type(exc).__name__}); please try again."
        ) from exc
    identity = PlexIdentity(
        user_id=int(account.id),
        username=account.username or account.title or "",
        email=account.email or "",
        thumb=account.thumb or "",
    )
    servers = tuple(
        _owned_server(resource)
        for resource in resources
        if resource.owned and "server" in (resource.provides or "").split(",")
    )
    return PlexAccountInfo(identity=identity, servers=servers)


def real_servers():
    """The configured servers that count for the sign-in (every server but the demo's)."""
    return [server for server in Server.objects.all() if not server.is_demo]


def owns_configured_server(info: PlexAccountInfo) -> bool:
    """Whether the account owns a watched server (the rule of :mod:`plex.signin`, step 5)."""
    owned = {server.client_identifier for server in info.servers}
    return any(server.machine_identifier in owned for server in real_servers())
