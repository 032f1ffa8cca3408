"""The view of the signed image links (:mod:`core.image_links`): ``/image/<token>``, and
:func:`serve` for the newsletters' own links (their salt, no login)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from core.image_links import SALT, read
from servers.models import Server

from .apiv2_media import proxied_image_response

# A day in the browser's cache (private: behind a login); the proxy keeps the bytes 30 days.
BROWSER_CACHE_SECONDS = 24 * 3600


def serve(token: str, *, salt, cache_control: str) -> HttpResponse:
    """The image a token names, from PMS through the cached image proxy, as a response with
    ``cache_control``; the token's placeholder when its server no longer exists. Raises Http404
    for a bad signature."""
    try:
        server_id, path, width, height, fallback = read(token, salt=salt)
    except signing.BadSignature:
        raise Http404("No such image") from None
    server = Server.objects.filter(pk=server_id).first()
    response = proxied_image_response(
        server,
        path if server else "",
        fallback=fallback,
        width=width,
        height=height,
        img_format="jpg",
    )
    if response is None:  # pragma: no cover - every fallback has a placeholder
        raise Http404("No such image")
    response["Cache-Control"] = cache_control
    return response


@require_safe
@login_required
def image_view(request: HttpRequest, token: str) -> HttpResponse:
    """``GET /image/<token>``: a signed image for a signed-in account (staff or guest); see the
    module docstring. 404 for a bad token."""
    return serve(token, salt=SALT, cache_control=f"private, max-age={BROWSER_CACHE_SECONDS}")
