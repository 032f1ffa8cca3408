"""The web login log: a :class:`~users.models.UserLogin` row for every sign-in to this server,
successful or not, whatever the way in (the admin's password form, Plex, OIDC).

Tautulli keeps the same table (``user_login``, read by ``get_user_logins``); its rows come from
the Tautulli import too. Written by receivers of Django's ``user_logged_in`` and
``user_login_failed`` signals (connected in :class:`users.apps.UsersConfig`), so any sign-in
path that calls ``django.contrib.auth.login``/``authenticate`` is logged without knowing about
this module. A failed sign-in of a known name may set ``request.login_username`` (the name the
provider gave) for the log when ``authenticate`` had no username credential.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import DisallowedHost
from django.dispatch import receiver
from django.http import HttpRequest

from core import clock

from .models import AccountLink, UserLogin

logger = logging.getLogger(__name__)

# Longest user agent kept: browsers send a few hundred characters; a client may send anything.
USER_AGENT_MAX = 512


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: the connection's (``REMOTE_ADDR``), the rule django-axes follows
    (``AXES_IPWARE_META_PRECEDENCE_ORDER``): ``X-Forwarded-For`` is the client's to invent."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def _host(request: HttpRequest) -> str | None:
    """The address the client used to reach this server ("http://host:port"), as Tautulli logs."""
    if not ({"HTTP_HOST", "SERVER_NAME"} & request.META.keys()):
        return None  # a request made up in code (the test client's force_login)
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:  # a Host header not in ALLOWED_HOSTS: the log still gets its row
        return None


def _write(request: HttpRequest | None, *, name: str | None, account, success: bool) -> None:
    link = AccountLink.objects.filter(auth_user_id=account.pk).first() if account else None
    if link is not None and account.first_name:
        name = account.first_name  # the plex.tv username (users.accounts), not "plex-<id>"
    group = None
    if account is not None:
        group = "admin" if account.is_staff else "guest"
    UserLogin.objects.create(
        timestamp=clock.now(),
        user_id=link.plex_user_id if link else None,
        user=(name or "")[:150] or None,
        user_group=group,
        ip_address=client_address(request),
        host=_host(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX] or None)
        if request is not None
        else None,
        success=success,
    )


@receiver(user_logged_in, dispatch_uid="users.logins.logged_in")
def log_login(sender, request, user, **kwargs) -> None:
    """A successful sign-in: the account's name, "admin" (staff) or "guest", its plex.tv id when
    it is linked to one (:class:`~users.models.AccountLink`)."""
    _write(request, name=user.get_username(), account=user, success=True)


@receiver(user_login_failed, dispatch_uid="users.logins.login_failed")
def log_failed_login(sender, credentials, request=None, **kwargs) -> None:
    """A refused sign-in: the name that was tried (never the password; Django passes the
    credentials cleansed), no group."""
    name = credentials.get("username") or getattr(request, "login_username", None)
    _write(request, name=name, account=None, success=False)


@lru_cache(maxsize=1024)
def os_and_browser(user_agent: str | None) -> tuple[str, str]:
    """The operating system and browser of a user agent, e.g. ``("Windows 10", "Chrome 120")``
    ("" when unknown), as Tautulli's ``get_user_logins`` gives them (it uses httpagentparser;
    this uses ua-parser, whose names can differ slightly)."""
    if not user_agent:
        return "", ""
    from ua_parser import parse  # loads its regexes on first use only

    result = parse(user_agent)
    return _name(result.os), _name(result.user_agent)


def _name(part) -> str:
    if part is None or part.family in ("Other", ""):
        return ""
    return f"{part.family} {part.major}" if part.major else part.family
