"""Newsletter images: signed links to our own image proxy, no third-party upload.

Tautulli's self-hosted newsletters link ``/image/<hash>`` and keep the hash → image table in its
database; we sign the image's description instead, so the link carries everything and nothing is
stored: ``/newsletter/image/<token>``, ``token`` = :mod:`django.core.signing` of ``[server id,
PMS path, width, height]`` (salted, compressed). The Plex token never appears: the view asks PMS
itself through :func:`plex.apiv2_media.proxied_image_response` (resized by PMS, cached 30 days,
a placeholder when PMS has no image or is down).

Mail clients fetch these images without a session, so the view needs no login; only a link we
signed is served, a forged or altered one is a 404.
"""

from __future__ import annotations

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.tautulli_api import ApiError
from plex.apiv2_media import pms_image_path, proxied_image_response
from servers.models import Server

from .parameters import base_url

SALT = "newsletters.image"
# A week in the browser/mail client's cache; the proxy keeps the bytes 30 days server-side.
BROWSER_CACHE_SECONDS = 7 * 24 * 3600


def image_token(server_id: int, img: str, width: int, height: int) -> str:
    """The signed token of one image: ``img`` (a PMS path, normalised as the image proxy does:
    ``/library/metadata/1/thumb/1590245989`` → ``/library/metadata/1/thumb``; an http(s) URL
    as PMS gave it, fetched by PMS; an unusable path or "" becomes the placeholder) of server
    ``server_id`` at ``width`` × ``height`` pixels. Only what we sign is ever fetched."""
    try:
        path = pms_image_path(img or "")
    except ApiError:  # a path PMS would refuse: the placeholder
        path = ""
    return signing.dumps([int(server_id), path, int(width), int(height)], salt=SALT, compress=True)


def image_url(server_id: int, img: str, width: int, height: int) -> str:
    """The absolute URL (``<HTTP_BASE_URL>/newsletter/image/<token>``) of PMS image ``img`` of
    server ``server_id`` resized to ``width`` × ``height`` pixels; see :func:`image_token`."""
    token = image_token(server_id, img, width, height)
    return base_url() + reverse("newsletters:image", args=[token])


def read_token(token: str) -> tuple[int, str, int, int]:
    """``(server id, PMS path, width, height)`` of a token :func:`image_token` made. Raises
    ``signing.BadSignature`` for a forged, altered or malformed token."""
    value = signing.loads(token, salt=SALT)
    if not (isinstance(value, list) and len(value) == 4):
        raise signing.BadSignature("unexpected token contents")
    server_id, path, width, height = value
    if not all(isinstance(v, int) for v in (server_id, width, height)) or not isinstance(path, str):
        raise signing.BadSignature("unexpected token contents")
    return server_id, path, width, height


@require_safe
def image_view(request: HttpRequest, token: str) -> HttpResponse:
    """``GET /newsletter/image/<token>``: the signed image, as PNG/JPEG bytes from PMS through
    the cached image proxy (a square size gets the album cover placeholder, other sizes the
    poster placeholder, when PMS has no image or cannot be reached). 404 for a bad signature or
    a server that no longer exists. No login: mail clients fetch it."""
    try:
        server_id, path, width, height = read_token(token)
    except signing.BadSignature:
        raise Http404("No such image") from None
    server = Server.objects.filter(pk=server_id).first()
    if server is None:
        raise Http404("No such image")
    fallback = "cover" if width == height else "poster"
    response = proxied_image_response(
        server, path, fallback=fallback, width=width, height=height, img_format="jpg"
    )
    if response is None:  # pragma: no cover - every fallback above has a placeholder
        raise Http404("No such image")
    response["Cache-Control"] = f"public, max-age={BROWSER_CACHE_SECONDS}"
    return response
