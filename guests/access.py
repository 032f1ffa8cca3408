"""Who may open the guest pages (Tautulli's guest access, its ``webauth.py`` rules).

A guest is a signed-in account that is not staff and is linked to a shared plex.tv user
(:func:`users.accounts.is_guest`). Their pages show that user's data only: every view takes the
user from the session (:func:`guest_user`), never from the URL, so there is no id to tamper with.

Access is checked on **every request**, not only at sign-in: when guest access is switched off
globally (``ALLOW_GUEST_ACCESS``) or for the user (``users.User.allow_guest``), or the user is
deleted, the next request of that guest ends their session (:class:`GuestAccessMiddleware`).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from users.accounts import (
    GUEST_ACCESS_OFF,
    NOT_A_USER,
    USER_NOT_ALLOWED,
    guest_access_problem,
    is_guest,
    linked_user,
)
from users.models import User

# The reasons a signed-in guest reads on the login page (users.accounts' checks, in person).
REFUSALS = {
    GUEST_ACCESS_OFF: "Guest access is not enabled on this server.",
    NOT_A_USER: "Your Plex account is not a user of this server.",
    USER_NOT_ALLOWED: "Guest access is not enabled for your account.",
}


def refusal(account) -> str | None:
    """Why guest ``account`` may no longer see its pages (a sentence for the login page), or
    None when it may. ``account`` must be a guest (:func:`users.accounts.is_guest`)."""
    return REFUSALS.get(guest_access_problem(linked_user(account)))


def _checked(request) -> tuple[bool, str | None]:
    """``(is a guest, refusal or None)`` of the request's account, worked out once a request.
    Staff and anonymous requests cost no query."""
    if not hasattr(request, "_guest_check"):
        account = request.user
        guest = account.is_authenticated and not account.is_staff and is_guest(account)
        request._guest_check = (guest, refusal(account) if guest else None)
    return request._guest_check


def guest_user(request) -> User:
    """The :class:`users.models.User` whose data the guest of ``request`` may see: the one
    linked to the signed-in account (the only user a guest page ever shows). Call it from views
    under :func:`guest_required`."""
    return linked_user(request.user)


def guest_required(view):
    """Decorator of the guest pages: staff go to the admin, anyone else not a guest to the login
    page, a guest whose access was switched off is signed out (with the reason) and sent there
    too."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_staff:
            return redirect("admin:index")
        guest, reason = _checked(request)
        if not guest:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if reason:
            return _signed_out(request, reason)
        return view(request, *args, **kwargs)

    return checked


def _signed_out(request, reason: str):
    logout(request)
    messages.error(request, reason)
    return redirect(settings.LOGIN_URL)


class GuestAccessMiddleware:
    """Ends the session of a guest whose access was switched off, whatever page they ask for
    (the image proxy included), at their next request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        guest, reason = _checked(request)
        if guest and reason:
            return _signed_out(request, reason)
        return self.get_response(request)
