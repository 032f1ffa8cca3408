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

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from core import image_links
from plex.image_links import serve

from .parameters import base_url

SALT = "newsletters.image"
# A week in the browser/mail client's cache; the proxy keeps the bytes 30 days server-side.
BROWSER_CACHE_SECONDS = 7 * 24 * 3600


def image_token(server_id: int, img: str, width: int, height: int) -> str:
    """The signed token of one image (:func:`plex.image_links.sign` with the newsletters' salt):
    ``img`` of server ``server_id`` at ``width`` × ``height`` pixels, with the album cover
    placeholder for a square size, the poster's otherwise. Only what we sign is ever fetched."""
    fallback = "cover" if width == height else "poster"
    return image_links.sign(server_id, img, width, height, fallback, salt=SALT)


def image_url(server_id: int, img: str, width: int, height: int) -> str:
    """The absolute URL (``<HTTP_BASE_URL>/newsletter/image/<token>``) of PMS image ``img`` of
    server ``server_id`` resized to ``width`` × ``height`` pixels; see :func:`image_token`."""
    token = image_token(server_id, img, width, height)
    return base_url() + reverse("newsletters:image", args=[token])


def read_token(token: str) -> tuple[int, str, int, int]:
    """``(server id, PMS path, width, height)`` of a token :func:`image_token` made. Raises
    ``signing.BadSignature`` for a forged, altered or malformed token."""
    return image_links.read(token, salt=SALT)[:4]


@require_safe
def image_view(request: HttpRequest, token: str) -> HttpResponse:
    """``GET /newsletter/image/<token>``: the signed image, as PNG/JPEG bytes from PMS through
    the cached image proxy (the placeholder when PMS has no image, cannot be reached, or the
    server was removed since). 404 for a bad signature. No login: mail clients fetch it."""
    return serve(token, salt=SALT, cache_control=f"public, max-age={BROWSER_CACHE_SECONDS}")
