"""A loopback OpenID Connect provider for tests: the authorization code flow of OpenID Connect
Core 1.0 (with PKCE, RFC 7636) as a real HTTP server on 127.0.0.1, so the client under test
(mozilla-django-oidc, its ``requests`` calls and a browser) speaks to it as to any provider.

Endpoints (OpenID Connect Discovery 1.0 names):

* ``/.well-known/openid-configuration``: the discovery document;
* ``/authorize``: checks ``client_id``, ``redirect_uri`` (registered ones only), ``response_type``
  and ``scope`` (``openid``), then "signs in" :attr:`OIDCProvider.user` at once: a redirect back
  with a one-time ``code`` and the ``state`` (or ``error=access_denied`` when :attr:`deny`);
* ``/token``: exchanges the code (client secret in the body or HTTP Basic, the ``redirect_uri``
  and PKCE ``code_verifier`` as sent to ``/authorize``) for an access token and an RS256 ID token
  (``iss``, ``sub``, ``aud``, ``iat``, ``exp`` 5 min, ``nonce``) signed with a key made per
  provider;
* ``/jwks``: the public key (``kid``, ``alg``, ``use``);
* ``/userinfo``: the user's claims for a ``Bearer`` access token.

Every request is recorded in :attr:`OIDCProvider.requests` (method, path) for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "loopback-1"


class OIDCProvider:
    """The stand-in provider; ``with OIDCProvider(...) as provider:`` serves it on a free port.

    ``user`` is the claims of whoever signs in next (``sub`` required), ``deny`` makes the next
    sign-ins refused by the "user", ``id_token_overrides`` replaces ID token claims (a token
    meant for another client or from another issuer). :meth:`settings` gives the Django settings pointing at it."""

    def __init__(
        self,
        *,
        client_id: str = "tautulli",
        client_secret: str = "loopback-secret",
        redirect_uris: tuple[str, ...] = ("http://testserver/oidc/callback/",),
        user: dict | None = None,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.user = user or {"sub": "1001", "preferred_username": "oidc-admin", "groups": []}
        self.deny = False
        self.id_token_overrides: dict = {}  # e.g. {"aud": "another-app"}: a token not for us
        self.requests: list[tuple[str, str]] = []
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> OIDCProvider:
        provider = self

        class Handler(_Handler):
            pass

        Handler.provider = provider
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def issuer(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def settings(self, **extra) -> dict:
        """Django settings for a client of this provider (discovery through the issuer)."""
        return {
            "OIDC_ENABLED": True,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            **extra,
        }

    # --- the protocol ------------------------------------------------------------------------
    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    def jwks(self) -> dict:
        key = jwt.algorithms.RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
        return {"keys": [{**key, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """(status, headers, body) of an authorization request."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or redirect_uri not in self.redirect_uris:
            return 400, {}, "unknown client_id or unregistered redirect_uri"
        back = {"state": query.get("state", "")}
        if self.deny:
            back["error"] = "access_denied"
        elif query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            back["error"] = "invalid_request"
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = {
                    "redirect_uri": redirect_uri,
                    "nonce": query.get("nonce"),
                    "challenge": query.get("code_challenge"),
                    "method": query.get("code_challenge_method", "plain"),
                    "claims": dict(self.user),
                }
            back["code"] = code
        return 302, {"Location": f"{redirect_uri}?{urlencode(back)}"}, ""

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict]:
        """(status, JSON body) of a token request."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # codes are single-use
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant["redirect_uri"] != form.get("redirect_uri")
            or not _pkce_ok(grant, form.get("code_verifier"))
        ):
            return 400, {"error": "invalid_grant"}
        now = int(time.time())
        claims = grant["claims"]
        id_token = jwt.encode(
            {
                "iss": self.issuer,
                "sub": claims["sub"],
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                **({"nonce": grant["nonce"]} if grant["nonce"] else {}),
                **self.id_token_overrides,
            },
            self.signing_key,
            algorithm="RS256",
            headers={"kid": KEY_ID},
        )
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._access_tokens[access_token] = claims
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        claims = self._access_tokens.get(authorization.removeprefix("Bearer "))
        if not authorization.startswith("Bearer ") or claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims


def _pkce_ok(grant: dict, verifier: str | None) -> bool:
    if not grant["challenge"]:
        return True
    if not verifier:
        return False
    if grant["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return secrets.compare_digest(verifier, grant["challenge"])


class _Handler(BaseHTTPRequestHandler):
    provider: OIDCProvider

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def _send(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, str) else json.dumps(body)
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        content_type = "text/plain" if isinstance(body, str) else "application/json"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data.encode())))
        self.end_headers()
        self.wfile.write(data.encode())

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.provider.requests.append(("GET", url.path))
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._send(200, self.provider.discovery())
        elif url.path == "/jwks":
            self._send(200, self.provider.jwks())
        elif url.path == "/authorize":
            status, headers, body = self.provider.authorize(query)
            self._send(status, body, headers)
        elif url.path == "/userinfo":
            self._send(*self.provider.userinfo(self.headers.get("Authorization", "")))
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        self.provider.requests.append(("POST", url.path))
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if url.path == "/token":
            self._send(*self.provider.token(form, self.headers.get("Authorization", "")))
        else:
            self._send(404, {"error": "not_found"})
