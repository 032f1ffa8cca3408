"""The HTTP APIs: Tautulli's /api/v2 and the django-ninja REST API (OpenAPI docs at /api/docs).

Each app contributes a ninja ``router`` in its ``api.py``; this module only assembles them.
"""

from urllib.parse import urlencode

from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger

from core.auth import REST_AUTH, ApiKeyQueryAuth, api_key_or_staff_required
from core.errors import InvalidInput
from core.tautulli_api.dispatcher import dispatch

from .rest_errors import with_json_refusals


# --- /api/v2 (Tautulli compatible) ------------------------------------------------------------
@csrf_exempt
def tautulli_v2(request):
    """/api/v2 and /api/v2/ (LunaSea adds the slash), whatever the method (GET, form POST, and
    the others with the query string, as CherryPy answers Tautulli's): see the dispatcher."""
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


@rest.exception_handler(InvalidInput)
def invalid_input(request, exc: InvalidInput):
    """Input the domain rejects (``after`` later than ``before``, an unknown server...): HTTP 400
    ``{"detail": message}``, as ninja answers an ``HttpError(400, ...)``. A malformed parameter
    is rejected by the endpoint's schema first (422)."""
    return rest.create_response(request, {"detail": exc.message or "Invalid input"}, status=400)


REST_ROUTERS = [
    ("servers", "servers.api.router"),
    ("users", "users.api.router"),
    # /api/libraries/growth and /items before /api/libraries/{library_id}, which would take them
    ("libraries", "stats.api.library_router"),
    # /api/libraries/items: the inventory with its statistics
    ("libraries", "stats.api_inventory.router"),
    ("libraries", "libraries.api.router"),
    ("history", "history.api.router"),
    ("stats", "stats.api.router"),
    ("housekeeping", "housekeeping.api.router"),
]
for prefix, dotted in REST_ROUTERS:
    rest.add_router(f"/{prefix}", import_string(dotted))


def rest_urls():
    """The ``include()`` of /api/: ``rest.urls``, with JSON for what is refused around the
    operations (:mod:`tautulli_project.rest_errors`)."""
    return with_json_refusals(rest)
