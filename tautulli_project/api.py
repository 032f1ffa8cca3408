"""The HTTP APIs: Tautulli's /api/v2 and the django-ninja REST API (OpenAPI docs at /api/docs).

Each app contributes a ninja ``router`` in its ``api.py``; this module only assembles them.
"""

import logging
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseNotAllowed
from django.urls import re_path
from django.utils.module_loading import import_string
from django.views.decorators.common import no_append_slash
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger

from core.auth import REST_AUTH, ApiKeyQueryAuth, api_key_or_staff_required
from core.errors import InvalidInput
from core.tautulli_api.dispatcher import dispatch


# --- /api/v2 (Tautulli compatible) ------------------------------------------------------------
@csrf_exempt
def tautulli_v2(request):
    """GET or form POST at /api/v2 and /api/v2/ (LunaSea adds the slash): see the dispatcher."""
    if request.method not in {"GET", "POST", "HEAD"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    return dispatch(request)


# --- REST API ---------------------------------------------------------------------------------
class ApiDocs(Swagger):
    """django-ninja's Swagger UI, its assets served from ninja's static files (``"ninja"`` is in
    INSTALLED_APPS, so ninja renders ``ninja/swagger.html`` rather than its CDN page): the docs
    work without Internet. Opened with ``?apikey=KEY`` rather than an admin session, the page
    reads the schema with the same key."""

    def __init__(self, settings=None, apikey: str = ""):
        super().__init__(settings)
        self.apikey = apikey

    def get_openapi_url(self, api, path_params):
        url = super().get_openapi_url(api, path_params)
        return (
            f"{url}?{urlencode({ApiKeyQueryAuth.param_name: self.apikey})}" if self.apikey else url
        )

    def render_page(self, request, api, **kwargs):
        apikey = request.GET.get(ApiKeyQueryAuth.param_name, "")
        if apikey != self.apikey:  # a page of its own for this key (ninja keeps the URL on it)
            return ApiDocs(self.settings, apikey).render_page(request, api, **kwargs)
        return super().render_page(request, api, **kwargs)


rest = NinjaAPI(
    title="Tautulli REST API",
    version="1.0",
    description=(
        "Typed REST access to history, users, libraries and servers. Authenticate with the same "
        "key as /api/v2, in the `X-Api-Key` header or the `apikey` query parameter."
    ),
    auth=REST_AUTH,
    urls_namespace="rest",
    docs=ApiDocs(),
    # The OpenAPI schema and docs need the key or an admin session, as every endpoint needs auth.
    docs_decorator=api_key_or_staff_required,
)


@rest.exception_handler(SuspiciousOperation)
def suspicious_request(request, exc: SuspiciousOperation):
    """A request Django refuses to read (more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters, a
    body over DATA_UPLOAD_MAX_MEMORY_SIZE...): HTTP 400 ``{"detail": message}`` rather than
    Django's HTML page, logged to ``django.security`` as Django logs it."""
    logging.getLogger(f"django.security.{type(exc).__name__}").error(str(exc))
    return rest.create_response(request, {"detail": str(exc)}, status=400)


@rest.exception_handler(InvalidInput)
def invalid_input(request, exc: InvalidInput):
    """Input the domain rejects (``after`` later than ``before``, an unknown server...): HTTP 400
    ``{"detail": message}``, as ninja answers an ``HttpError(400, ...)``. A malformed parameter
    is rejected by the endpoint's schema first (422)."""
    return rest.create_response(request, {"detail": exc.message or "Invalid input"}, status=400)


REST_ROUTERS = [
    ("servers", "servers.api.router"),
    ("users", "users.api.router"),
    # /api/libraries/growth before /api/libraries/{library_id}, which would take "growth"
    ("libraries", "stats.api.library_router"),
    ("libraries", "libraries.api.router"),
    ("history", "history.api.router"),
    ("stats", "stats.api.router"),
]
for prefix, dotted in REST_ROUTERS:
    rest.add_router(f"/{prefix}", import_string(dotted))


# --- JSON for what ninja answers outside an operation -----------------------------------------
def json_method_not_allowed(view):
    """``view`` (one of ninja's path views), its 405 for a method the path does not take
    answered ``{"detail": ...}`` (ninja answers plain text), ``Allow`` header kept."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = rest.create_response(
                request, {"detail": f"Method not allowed; allowed: {allowed}"}, status=405
            )
            response["Allow"] = allowed
        return response

    return checked


@no_append_slash  # /api/nothing is not redirected to /api/nothing/
@csrf_exempt
def rest_not_found(request):
    """Any path under /api/ that no operation takes: 404 ``{"detail": "Not Found"}``, as ninja
    answers an unknown object (rather than Django's HTML page)."""
    return rest.create_response(request, {"detail": "Not Found"}, status=404)


def rest_urls():
    """``rest.urls`` (the ``include()`` of /api/) with JSON answers for a wrong method (405)
    and for an unknown path (404, the last pattern)."""
    patterns, app_name, namespace = rest.urls
    for pattern in patterns:
        pattern.callback = json_method_not_allowed(pattern.callback)
    return [*patterns, re_path(r"^", rest_not_found)], app_name, namespace
