"""The admin login page shown to a locked-out login (django-axes' ``AXES_LOCKOUT_CALLABLE``).

After ``AXES_FAILURE_LIMIT`` wrong passwords for one username from one address, django-axes
refuses every login of that pair, the right password included, for ``AXES_COOLOFF_TIME``; an
administrator lifts it at once with ``manage.py axes_reset`` (or ``axes_reset_username NAME``).
"""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _


def lockout_message() -> str:
    """The sentence shown on the login page: how long the lock lasts and how to lift it."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed logins for this account from your address: logins are locked for "
        "%(minutes)d minutes. An administrator can unlock them now with "
        "'manage.py axes_reset'."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The admin login form again (empty), with :func:`lockout_message` as an error, HTTP 429.

    Rendered here: django-axes calls this from its middleware, after Django rendered the view's
    own response."""
    messages.error(request, lockout_message())
    page_request = copy.copy(request)  # the same session and messages, read as a GET
    page_request.method = "GET"
    page_request.POST = QueryDict()
    response = admin.site.login(page_request)
    if hasattr(response, "render"):
        response.render()
    response.status_code = 429
    return response
