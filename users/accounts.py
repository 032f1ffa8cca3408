"""Sign-in accounts of plex.tv accounts: the server owner and guests.

Whoever signs in with Plex (plex.tv's PIN flow, :mod:`plex.signin`) is one plex.tv account,
:class:`PlexIdentity`. This module turns it into the Django account that holds the session
(``auth.User``), linked by :class:`users.models.AccountLink`:

* the **owner** (the account that owns a watched server, decided by the Plex integration) gets a
  staff superuser: the whole admin, as the admin account created at install;
* a **guest** (a shared user, Tautulli's guest access) gets an account that is *not* staff: it
  cannot open the admin, only the guest pages, which show the linked user's own data. Allowed
  when guest access is on globally (``ALLOW_GUEST_ACCESS``, a monitoring setting) and for the
  user (:attr:`users.models.User.allow_guest`), and the user is known and not deleted.

Sign-in accounts are named ``plex-<plex.tv id>``, have no usable password (only Plex lets them in)
and are found again by their link, whatever their name became.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from core.config import monitoring_value

from .models import AccountLink, User


@dataclass(frozen=True)
class PlexIdentity:
    """A plex.tv account that signed in: ``user_id`` its plex.tv id, with its name, e-mail and
    avatar URL as plex.tv gives them."""

    user_id: int
    username: str
    email: str = ""
    thumb: str = ""


class GuestAccessDenied(Exception):
    """This plex.tv account may not sign in as a guest; the message says why, for the login page."""


def guest_access_enabled() -> bool:
    """Tautulli's global guest access switch (``allow_guest_access``): off by default."""
    return bool(monitoring_value("ALLOW_GUEST_ACCESS", False))


def _linked_account(identity: PlexIdentity, *, staff: bool):
    """The sign-in account linked to ``identity`` (created on first sign-in), its name, e-mail
    and staff flags brought up to date."""
    account_model = get_user_model()
    with transaction.atomic():
        link = (
            AccountLink.objects.select_related("auth_user")
            .filter(plex_user_id=identity.user_id)
            .first()
        )
        if link is None:
            account = account_model(username=f"plex-{identity.user_id}")
            account.set_unusable_password()
            link = AccountLink(plex_user_id=identity.user_id)
        else:
            account = link.auth_user
        account.email = identity.email or account.email
        account.first_name = (identity.username or "")[:150]
        account.is_staff = account.is_superuser = staff
        account.is_active = True
        account.save()
        link.auth_user = account
        link.is_owner = staff
        link.save()
    return account


def owner_login_user(identity: PlexIdentity):
    """The staff superuser account of the server owner ``identity`` (created on first sign-in).
    The caller has established that the account owns a watched server."""
    return _linked_account(identity, staff=True)


# Why a user may not see the guest pages (:func:`guest_access_problem`).
GUEST_ACCESS_OFF, NOT_A_USER, USER_NOT_ALLOWED = "off", "not a user", "user not allowed"


def guest_access_problem(user: User | None) -> str | None:
    """Why ``user`` (None: no such user) may not use guest access — :data:`GUEST_ACCESS_OFF`
    (the global switch), :data:`NOT_A_USER` (unknown, deleted or a placeholder of an import) or
    :data:`USER_NOT_ALLOWED` (the user's own switch) — or None when they may. Tautulli's guest
    rules, checked at sign-in and on every guest request (:mod:`guests.access`)."""
    if not guest_access_enabled():
        return GUEST_ACCESS_OFF
    if user is None or user.deleted_user or user.placeholder:
        return NOT_A_USER
    if not user.allow_guest:
        return USER_NOT_ALLOWED
    return None


def guest_login_user(identity: PlexIdentity):
    """The guest account (not staff) of shared user ``identity``. Raises
    :class:`GuestAccessDenied` when guest access is off, the account is not a known user of the
    watched servers, is deleted, or its guest access is off. An account that was a guest before
    and is refused now is deactivated, so its open sessions end too."""
    user = User.objects.filter(user_id=identity.user_id).first()
    problem = guest_access_problem(user)
    if problem is not None:
        _deactivate_guest(identity.user_id)
        if problem == GUEST_ACCESS_OFF:
            reason = "Guest access is not enabled on this server."
        elif problem == NOT_A_USER:
            reason = f"{identity.username or 'This Plex account'} is not a user of this server."
        else:
            reason = f"Guest access is not enabled for {user.display_name}."
        raise GuestAccessDenied(reason)
    return _linked_account(identity, staff=False)


def _deactivate_guest(plex_user_id: int) -> None:
    link = AccountLink.objects.filter(plex_user_id=plex_user_id, is_owner=False).first()
    if link is not None:
        get_user_model().objects.filter(pk=link.auth_user_id).update(is_active=False)


def linked_user(account) -> User | None:
    """The :class:`users.models.User` a sign-in account is linked to (None for local accounts,
    anonymous users and links whose user is not known yet)."""
    if account is None or not getattr(account, "is_authenticated", False):
        return None
    linked = AccountLink.objects.filter(auth_user_id=account.pk).values("plex_user_id")
    return User.objects.filter(user_id__in=linked).first()  # one query


def is_guest(account) -> bool:
    """Whether ``account`` is a guest: signed in, active, not staff, and linked to a plex.tv
    account. Guests see their own pages only, never the admin."""
    return bool(
        account is not None
        and getattr(account, "is_authenticated", False)
        and account.is_active
        and not account.is_staff
        and AccountLink.objects.filter(auth_user_id=account.pk, is_owner=False).exists()
    )
