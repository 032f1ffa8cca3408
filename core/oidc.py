"""Optional sign-in through an OpenID Connect provider (mozilla-django-oidc), for the admin.

Configured from the environment (``OIDC_*`` settings, README "Sign-in with OIDC"): the client id
and secret, the provider's endpoints (explicit, or read once from ``OIDC_OP_ISSUER``'s
``/.well-known/openid-configuration``), and who is staff:

* ``OIDC_STAFF_CLAIM``: a claim whose value ``true`` makes the account staff;
* ``OIDC_STAFF_GROUPS`` / ``OIDC_SUPERUSER_GROUPS``: group names found in the
  ``OIDC_GROUPS_CLAIM`` claim (default ``groups``). Staff are superusers too unless superuser
  groups are configured (then only theirs are: the others get the permissions an admin gives
  them through Django groups).

Only staff get in: anyone else is refused with a message on the login page (the admin is all
there is for them), and an account that lost its mapping loses staff at its next sign-in. The
account is named after ``OIDC_USERNAME_CLAIM`` (default ``preferred_username``, else ``sub``)
and has no usable password. A local account (with a password) or a Plex one of the same name is
never taken over: that sign-in is refused. Local admin logins stay for recovery.

Every refusal and failure (provider unreachable, a bad or expired token, an ``iss``/``aud``
mismatch) ends on the login page with a message, never an error page; the client secret and the
tokens are never logged or shown.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

logger = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_CACHE_SECONDS = 3600
# Our setting → the discovery document's key.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class OIDCUnavailable(Exception):
    """OIDC sign-in cannot start: not configured, or the provider's discovery failed. The message
    is for the login page (no secret in it)."""


def oidc_enabled() -> bool:
    """Whether OIDC sign-in is on (``OIDC_ENABLED``, default: a client id is set)."""
    return bool(getattr(settings, "OIDC_ENABLED", False))


def provider_name() -> str:
    """The provider's name on the login button (``OIDC_PROVIDER_NAME``)."""
    return getattr(settings, "OIDC_PROVIDER_NAME", "") or "SSO"


def provider_endpoints() -> dict[str, str]:
    """The provider's endpoint URLs by setting name (the four of :data:`ENDPOINTS`) and
    ``issuer``: explicit settings win; the rest come from the issuer's discovery document
    (fetched once an hour at most). Raises :class:`OIDCUnavailable` when one is still missing or
    discovery fails."""
    found = {name: getattr(settings, name, "") for name in ENDPOINTS}
    issuer = (getattr(settings, "OIDC_OP_ISSUER", "") or "").rstrip("/")
    found["issuer"] = issuer
    if issuer and not all(found[name] for name in ENDPOINTS):
        document = _discovery(issuer)
        for name, key in ENDPOINTS.items():
            found[name] = found[name] or document.get(key, "")
        found["issuer"] = document.get("issuer", issuer)
    missing = [name for name in ENDPOINTS if not found[name]]
    if missing:
        raise OIDCUnavailable(
            _("Sign-in with %(name)s is not configured.") % {"name": provider_name()}
        )
    return found


def _discovery(issuer: str) -> dict:
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(issuer + DISCOVERY_PATH, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
        except (requests.RequestException, ValueError) as error:
            logger.warning("OIDC discovery at %s failed: %s", issuer, error)
            raise OIDCUnavailable(
                _("%(name)s cannot be reached; sign in with a password.")
                % {"name": provider_name()}
            ) from error
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def staff_flags(claims: dict) -> tuple[bool, bool]:
    """``(is_staff, is_superuser)`` of an account with these userinfo claims (module doc)."""
    staff_claim = settings.OIDC_STAFF_CLAIM
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    groups = {str(group) for group in groups}
    superuser_groups = set(settings.OIDC_SUPERUSER_GROUPS)
    by_claim = bool(staff_claim) and claims.get(staff_claim) in (True, "true", "True", "1", 1)
    superuser = bool(groups & superuser_groups)
    staff = by_claim or superuser or bool(groups & set(settings.OIDC_STAFF_GROUPS))
    if staff and not superuser_groups:
        superuser = True
    return staff, superuser


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with this project's rules (module doc). Inert while OIDC is
    off (it is always listed in ``AUTHENTICATION_BACKENDS`` so sessions it opened stay valid)."""

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoints from settings at once; they may come from discovery,
        # so they are read at sign-in (authenticate) instead.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        """The account signing in through the provider's callback, or None (with the reason in
        ``request.oidc_refusal`` for the login page). Never raises for a provider's fault."""
        if not oidc_enabled() or request is None or "code" not in request.GET:
            return None
        try:
            endpoints = provider_endpoints()
            self.OIDC_OP_TOKEN_ENDPOINT = endpoints["OIDC_OP_TOKEN_ENDPOINT"]
            self.OIDC_OP_USER_ENDPOINT = endpoints["OIDC_OP_USER_ENDPOINT"]
            self.OIDC_OP_JWKS_ENDPOINT = endpoints["OIDC_OP_JWKS_ENDPOINT"]
            self.issuer = endpoints["issuer"]
            return super().authenticate(request, **kwargs)
        except OIDCUnavailable as error:
            request.oidc_refusal = str(error)
        except (
            requests.RequestException,
            jwt.PyJWTError,
            SuspiciousOperation,
            ValueError,
            KeyError,
        ) as error:
            # A provider's error, a bad signature, a replayed nonce... the details go to the log
            # (never a token: the messages of these errors do not carry them).
            logger.warning("OIDC sign-in failed: %s", error)
            request.oidc_refusal = _("Sign-in with %(name)s failed.") % {"name": provider_name()}
        return None

    def verify_token(self, token, **kwargs):
        """The ID token's claims after the parent's checks (signature, ``alg``, ``exp``, nonce),
        plus ``aud`` (our client id) and ``iss`` (the provider's, when known). Raises
        SuspiciousOperation."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience is not this client.")
        if self.issuer and payload.get("iss") != self.issuer:
            raise SuspiciousOperation("ID token issuer is not the configured provider.")
        return payload

    def get_username(self, claims: dict) -> str:
        """The account name: the ``OIDC_USERNAME_CLAIM`` claim, else ``sub`` (150 characters)."""
        name = claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("sub") or ""
        return str(name)[:150]

    def describe_user_by_claims(self, claims):
        return f"username {self.get_username(claims)}"

    def filter_users_by_claims(self, claims):
        """The account this provider created for that name (no usable password, no Plex link)."""
        return self.UserModel.objects.filter(
            username=self.get_username(claims),
            password__startswith=UNUSABLE_PASSWORD_PREFIX,
            plex_account__isnull=True,
        )

    def verify_claims(self, claims) -> bool:
        """Whether this account may sign in: it has a name, is mapped to staff, and its name is
        not a local or Plex account's. A refused account that had signed in before loses staff."""
        name = self.get_username(claims)
        self.request.login_username = name or None  # for the web login log
        if not name:
            return self._refuse(
                _("%(name)s did not give an account name.") % {"name": provider_name()}
            )
        staff, _superuser = staff_flags(claims)
        if not staff:
            self.filter_users_by_claims(claims).update(is_staff=False, is_superuser=False)
            return self._refuse(
                _("Your %(provider)s account %(user)s is not allowed to use this server's admin.")
                % {"provider": provider_name(), "user": name}
            )
        taken = self.UserModel.objects.filter(username=name).exclude(
            pk__in=self.filter_users_by_claims(claims).values("pk")
        )
        if taken.exists():
            logger.warning(
                "OIDC sign-in of %s refused: a local or Plex account has that name", name
            )
            return self._refuse(
                _("The name %(user)s belongs to another account of this server.") % {"user": name}
            )
        return True

    def _refuse(self, reason: str) -> bool:
        self.request.oidc_refusal = reason
        return False

    def create_user(self, claims):
        """A new account for this provider's user: no usable password, staff flags mapped."""
        account = self.UserModel(username=self.get_username(claims))
        account.set_unusable_password()
        return self.update_user(account, claims)

    def update_user(self, user, claims):
        """The account with its e-mail, name and staff flags brought up to date."""
        user.email = str(claims.get("email") or user.email)[:254]
        user.first_name = str(claims.get("given_name") or claims.get("name") or user.first_name)[
            :150
        ]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        user.is_staff, user.is_superuser = staff_flags(claims)
        user.is_active = True
        user.save()
        return user


class OIDCAuthenticateView(OIDCAuthenticationRequestView):
    """``/oidc/authenticate/``: sends the browser to the provider (404 while OIDC is off; back to
    the login page with a message when the provider cannot be used)."""

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoint from settings at once; it may come from discovery.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not oidc_enabled():
            raise Http404("OIDC sign-in is off.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_endpoints()["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        except OIDCUnavailable as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(settings.LOGIN_URL)
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """``/oidc/callback/``: the provider sends the browser back here; a refused or failed
    sign-in returns to the login page with the reason."""

    def get(self, request):
        if not oidc_enabled():
            raise Http404("OIDC sign-in is off.")
        try:
            return super().get(request)
        except SuspiciousOperation as error:  # an unknown state: a stale or forged callback
            logger.warning("OIDC callback refused: %s", error)
            return self.login_failure()

    def login_failure(self):
        reason = getattr(self.request, "oidc_refusal", None)
        if self.request.GET.get("error"):
            reason = reason or _("%(name)s did not sign you in.") % {"name": provider_name()}
        messages.error(
            self.request, reason or _("Sign-in with %(name)s failed.") % {"name": provider_name()}
        )
        return HttpResponseRedirect(settings.LOGIN_URL)
