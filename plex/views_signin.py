"""Pages of the Plex sign-in and of adding a server from it (see :mod:`plex.signin`).

* ``GET /signin/plex/`` (``plex_signin``): a new PIN, then off to plex.tv's sign-in page, which
  sends the browser back to ``/signin/plex/done/``. ``?next=setup`` (staff): add a server after.
* ``GET /signin/plex/done/`` (``plex_signin_done``): polls the PIN; while plex.tv has not linked
  it, a page that looks again every few seconds. Then: the owner of a watched server gets the
  admin; with no real server yet (first run) the account goes on to the setup page and becomes
  the owner by adding a server; anybody else signs in as a guest or is refused with the reason.
* ``/setup/plex/`` (``plex_setup``): the account's owned servers, their connections tested, one
  added. Open to the first-run sign-in (as Tautulli's first-run wizard: whoever signs in with
  Plex first while no real server exists sets it up) and to staff.

The plex.tv token waits in the server-side session between these requests (never in a page).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import site
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from users.accounts import GuestAccessDenied, guest_login_user, owner_login_user

from .setup import SetupError, add_server, test_connections
from .signin import (
    PlexSignInError,
    check_pin,
    owns_configured_server,
    plex_account,
    real_servers,
    start_pin,
)

SESSION_PIN = "plex_signin_pin"  # {"id", "code", "auth_url", "setup": bool}
SESSION_SETUP = "plex_setup"  # {"token", "first_run": bool}
BACKEND = "django.contrib.auth.backends.ModelBackend"
WAIT_SECONDS = 3  # between two looks at the PIN while plex.tv has not linked it


def _login_page(request: HttpRequest, error: str) -> HttpResponse:
    messages.error(request, error)
    return redirect("admin:login")


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**site.each_context(request), **context})


@require_GET
def signin(request: HttpRequest) -> HttpResponse:
    """Start the Plex sign-in: create a PIN and send the browser to plex.tv."""
    forward = request.build_absolute_uri(reverse("plex_signin_done"))
    try:
        pin = start_pin(forward)
    except PlexSignInError as exc:
        return _login_page(request, str(exc))
    wants_setup = request.GET.get("next") == "setup" and request.user.is_staff
    request.session[SESSION_PIN] = {
        "id": pin.pin_id,
        "code": pin.code,
        "auth_url": pin.auth_url,
        "setup": wants_setup,
    }
    return redirect(pin.auth_url)


@require_GET
def signin_done(request: HttpRequest) -> HttpResponse:
    """Back from plex.tv: sign the account in (owner, first-run setup or guest)."""
    pending = request.session.get(SESSION_PIN)
    if not pending:
        return _login_page(request, "No Plex sign-in is under way; please start again.")
    try:
        token = check_pin(pending["id"], pending["code"])
        if token is None:
            return _page(
                request,
                "plex/signin_wait.html",
                {
                    "title": "Sign in with Plex",
                    "auth_url": pending["auth_url"],
                    "wait": WAIT_SECONDS,
                },
            )
        del request.session[SESSION_PIN]
        info = plex_account(token)
    except PlexSignInError as exc:
        request.session.pop(SESSION_PIN, None)
        return _login_page(request, str(exc))

    if pending.get("setup") and request.user.is_staff:
        request.session[SESSION_SETUP] = {"token": token, "first_run": False}
        return redirect("plex_setup")
    if owns_configured_server(info):
        login(request, owner_login_user(info.identity), backend=BACKEND)
        return redirect("admin:index")
    if not real_servers():
        request.session[SESSION_SETUP] = {"token": token, "first_run": True}
        return redirect("plex_setup")
    try:
        account = guest_login_user(info.identity)
    except GuestAccessDenied as exc:
        # The web login log records the refusal (users.logins), as for a wrong password.
        user_login_failed.send(
            sender=__name__, credentials={"username": info.identity.username}, request=request
        )
        return _login_page(request, str(exc))
    login(request, account, backend=BACKEND)
    return redirect("guest_home")  # the guests app's page (named: plex is below it)


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """List the account's servers; POST ``action=test`` tries the connections of
    ``client_identifier``, ``action=add`` adds it at ``uri``."""
    state = request.session.get(SESSION_SETUP)
    if not state:
        if request.user.is_staff:
            return redirect(reverse("plex_signin") + "?next=setup")
        return _login_page(request, "Sign in with Plex to set up a server.")
    if state["first_run"] and real_servers():  # somebody else finished the setup meanwhile
        del request.session[SESSION_SETUP]
        return _login_page(request, "A Plex server is already set up; sign in again.")
    if not state["first_run"] and not request.user.is_staff:
        del request.session[SESSION_SETUP]
        return _login_page(request, "Only an administrator may add a server.")
    try:
        info = plex_account(state["token"])
    except PlexSignInError as exc:
        del request.session[SESSION_SETUP]
        return _login_page(request, str(exc))

    configured = {s.machine_identifier for s in real_servers()}
    servers = [s for s in info.servers if s.client_identifier not in configured]
    chosen = next(
        (s for s in servers if s.client_identifier == request.POST.get("client_identifier")), None
    )
    tests = {}
    if request.method == "POST" and chosen is None:
        messages.error(request, "Pick one of the servers listed.")
    elif request.method == "POST" and request.POST.get("action") == "test":
        tests = {t.uri: t for t in test_connections(chosen)}
    elif request.method == "POST" and request.POST.get("action") == "add":
        try:
            server = add_server(chosen, request.POST.get("uri", ""))
        except SetupError as exc:
            messages.error(request, str(exc))
        else:
            del request.session[SESSION_SETUP]
            if state["first_run"]:
                login(request, owner_login_user(info.identity), backend=BACKEND)
            messages.success(
                request, f"{server.name} was added; its activity shows within a minute."
            )
            return redirect("admin:plex_server_change", server.pk)
    return _page(
        request,
        "plex/setup.html",
        {
            "title": "Add a Plex server",
            "identity": info.identity,
            "servers": [
                (server, [(c, tests.get(c.uri)) for c in server.connections]) for server in servers
            ],
            "first_run": state["first_run"],
        },
    )
