"""The HTTP APIs: Tautulli's /api/v2 and the django-ninja REST API (OpenAPI docs at /api/docs).

Each app contributes a ninja ``router`` in its ``api.py``; this module only assembles them.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponseNotAllowed
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from core.auth import REST_AUTH
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
rest = NinjaAPI(
    title="Tautulli REST API",
    version="1.0",
    description=(
        "Typed REST access to history, users, libraries and servers. Authenticate with the same "
        "key as /api/v2, in the `X-Api-Key` header or the `apikey` query parameter."
    ),
    auth=REST_AUTH,
    urls_namespace="rest",
    # The OpenAPI schema and docs need an admin session, like every other endpoint needs auth.
    docs_decorator=staff_member_required,
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
    # /api/libraries/growth before /api/libraries/{library_id}, which would take "growth"
    ("libraries", "stats.api.library_router"),
    ("libraries", "libraries.api.router"),
    ("history", "history.api.router"),
    ("stats", "stats.api.router"),
]
for prefix, dotted in REST_ROUTERS:
    rest.add_router(f"/{prefix}", import_string(dotted))
