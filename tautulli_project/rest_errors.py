"""JSON answers for what the REST API (/api/) refuses outside an operation's own validation.

django-ninja answers an operation's errors as ``{"detail": ...}`` (401, 404, 422, and 400 for
:class:`~core.errors.InvalidInput` in :mod:`tautulli_project.api`), but a few refusals happen
around the operations and would be Django's or ninja's HTML or plain text:

* a request Django refuses to read (over ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` parameters, a body
  over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: :class:`~django.core.exceptions.SuspiciousOperation`
  raised while the key is read) → 400 (:func:`suspicious_request`, an exception handler);
* a method the path does not take → 405 with ``Allow`` (:func:`json_method_not_allowed`);
* a path under /api/ that no operation takes → 404 (:func:`with_json_refusals`' last pattern).
"""

import logging
from functools import partial, wraps

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseNotAllowed
from django.urls import re_path
from django.views.decorators.common import no_append_slash
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI


def suspicious_request(request, exc: SuspiciousOperation, *, api: NinjaAPI):
    """HTTP 400 ``{"detail": message}``, logged to ``django.security.<class>`` as Django logs
    it (Django would answer its HTML 400 page)."""
    logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
    return api.create_response(request, {"detail": str(exc)}, status=400)


def json_method_not_allowed(view, *, api: NinjaAPI):
    """``view`` (one of ninja's path views), its 405 for a method the path does not take
    answered ``{"detail": ...}`` (ninja answers plain text), ``Allow`` header kept."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = api.create_response(
                request, {"detail": f"Method not allowed; allowed: {allowed}"}, status=405
            )
            response["Allow"] = allowed
        return response

    return checked


def not_found(request, *, api: NinjaAPI):
    """404 ``{"detail": "Not Found"}``, as ninja answers an unknown object."""
    return api.create_response(request, {"detail": "Not Found"}, status=404)


def with_json_refusals(api: NinjaAPI):
    """``api.urls`` (the ``include()`` of its prefix) with JSON answers for a wrong method (405)
    and any other path under the prefix (404, the last pattern; never redirected to a trailing
    slash), and :func:`suspicious_request` as the handler of Django's refusals."""
    api.add_exception_handler(SuspiciousOperation, partial(suspicious_request, api=api))
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = json_method_not_allowed(pattern.callback, api=api)
    unknown = no_append_slash(csrf_exempt(partial(not_found, api=api)))
    return [*patterns, re_path(r"^", unknown)], app_name, namespace
