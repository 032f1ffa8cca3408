"""Authentication for the REST API: the same key as /api/v2, in the ``X-Api-Key`` header or the
``apikey`` query parameter, or a logged-in admin session (for the browsable OpenAPI docs)."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from ninja.security import APIKeyHeader, APIKeyQuery, SessionAuthIsStaff

from .models import ApiKey


class ApiKeyHeaderAuth(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        return key if ApiKey.matches(key) else None


class ApiKeyQueryAuth(APIKeyQuery):
    param_name = "apikey"

    def authenticate(self, request, key):
        return key if ApiKey.matches(key) else None


REST_AUTH = [ApiKeyHeaderAuth(), ApiKeyQueryAuth(), SessionAuthIsStaff()]


def has_api_key(request) -> bool:
    """Whether ``request`` carries the API key, as the REST API takes it (header or query)."""
    return ApiKey.matches(request.headers.get(ApiKeyHeaderAuth.param_name)) or ApiKey.matches(
        request.GET.get(ApiKeyQueryAuth.param_name)
    )


def api_key_or_staff_required(view):
    """For the OpenAPI schema and its docs page: the API key (:func:`has_api_key`) or an admin
    session; anyone else is sent to the admin login (``staff_member_required``)."""
    staff_view = staff_member_required(view)

    @wraps(view)
    def checked(request, *args, **kwargs):
        if has_api_key(request):
            return view(request, *args, **kwargs)
        return staff_view(request, *args, **kwargs)

    return checked
