"""Signed links to PMS images (posters, art, avatars) for our own pages.

A page never carries a Plex token or a PMS address: it links ``/image/<token>``, where ``token``
is :mod:`django.core.signing` of ``[server id, PMS path, width, height, fallback]`` (salted,
compressed). The view asks PMS itself through :func:`plex.apiv2_media.proxied_image_response`
(resized by PMS's photo transcoder, cached 30 days server-side, the placeholder when PMS has no
image or is down). Only what we signed is served: a forged or altered token is a 404, so a page
can show an image only if the page itself was allowed to name it.

:func:`image_url` is for the signed-in pages (the admin, the guest pages): the view wants a
signed-in account (staff or guest). The newsletters sign with their own salt and serve without
a login (mail clients have no session): :func:`sign` and :func:`serve` take the salt.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.tautulli_api import ApiError
from servers.models import Server

from .apiv2_media import FALLBACK_IMAGES, pms_image_path, proxied_image_response

SALT = "plex.image"
# A day in the browser's cache (private: behind a login); the proxy keeps the bytes 30 days.
BROWSER_CACHE_SECONDS = 24 * 3600


def sign(
    server_id: int, img: str | None, width: int, height: int, fallback: str = "poster", *, salt
) -> str:
    """The signed token of PMS image ``img`` of server ``server_id`` at ``width`` × ``height``
    pixels, with placeholder ``fallback`` (a name of :data:`FALLBACK_IMAGES`: poster, cover,
    art, user...). ``img`` is normalised as the image proxy does
    (``/library/metadata/1/thumb/1590245989`` → ``/library/metadata/1/thumb``); an http(s) URL
    is fetched by PMS; an unusable path, "" or None gives the placeholder."""
    try:
        path = pms_image_path(img or "")
    except ApiError:  # a path PMS would refuse: the placeholder
        path = ""
    if fallback not in FALLBACK_IMAGES:
        fallback = "poster"
    value = [int(server_id), path, int(width), int(height), fallback]
    return signing.dumps(value, salt=salt, compress=True)


def read(token: str, *, salt) -> tuple[int, str, int, int, str]:
    """``(server id, PMS path, width, height, fallback)`` of a token :func:`sign` made (a
    four-value token, as the first newsletters signed, gets the fallback its shape suggests).
    Raises ``signing.BadSignature`` for a forged, altered or malformed token."""
    value = signing.loads(token, salt=salt)
    if not isinstance(value, list) or len(value) not in (4, 5):
        raise signing.BadSignature("unexpected token contents")
    if len(value) == 4:
        value.append("cover" if value[2] == value[3] else "poster")
    server_id, path, width, height, fallback = value
    if not all(isinstance(v, int) for v in (server_id, width, height)) or not all(
        isinstance(v, str) for v in (path, fallback)
    ):
        raise signing.BadSignature("unexpected token contents")
    return server_id, path, width, height, fallback


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


def image_url(
    server_id: int | None, img: str | None, width: int, height: int, fallback: str = "poster"
) -> str:
    """The URL (``/image/<token>``, relative to the site) of PMS image ``img`` of server
    ``server_id`` resized to ``width`` × ``height`` pixels, for a signed-in page; see
    :func:`sign`. Ask for twice the size shown, for sharp screens. Without a server: the
    placeholder ``fallback``."""
    token = sign(server_id or 0, img if server_id else "", width, height, fallback, salt=SALT)
    return reverse("plex_image", args=[token])


@require_safe
@login_required
def image_view(request: HttpRequest, token: str) -> HttpResponse:
    """``GET /image/<token>``: a signed image for a signed-in account (staff or guest); see the
    module docstring. 404 for a bad token."""
    return serve(token, salt=SALT, cache_control=f"private, max-age={BROWSER_CACHE_SECONDS}")
