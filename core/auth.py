"""Authentication for the REST API: the same key as /api/v2, in the ``X-Api-Key`` header or the
``apikey`` query parameter, or a logged-in admin session (for the browsable OpenAPI docs)."""

import hmac

from ninja.security import APIKeyHeader, APIKeyQuery, SessionAuthIsStaff

from .models import ApiKey


def _valid(key: str | None) -> bool:
    return bool(key) and hmac.compare_digest(key.encode(), ApiKey.current().encode())


class ApiKeyHeaderAuth(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        return key if _valid(key) else None


class ApiKeyQueryAuth(APIKeyQuery):
    param_name = "apikey"

    def authenticate(self, request, key):
        return key if _valid(key) else None


REST_AUTH = [ApiKeyHeaderAuth(), ApiKeyQueryAuth(), SessionAuthIsStaff()]
