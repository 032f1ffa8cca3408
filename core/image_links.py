"""Signed links to PMS images (posters, art, avatars) for our own pages.

A page never carries a Plex token or a PMS address: it links ``/image/<token>``, where ``token``
is :mod:`django.core.signing` of ``[server id, PMS path, width, height, fallback]`` (salted,
compressed). The view (:func:`plex.image_links.image_view`, the only code that talks to PMS)
asks PMS itself through the cached image proxy (resized by PMS's photo transcoder, cached 30
days server-side, the placeholder when PMS has no image or is down). Only what we signed is
served: a forged or altered token is a 404, so a page can show an image only if the page itself
was allowed to name it.

:func:`image_url` is for the signed-in pages (the admin, the guest pages): the view wants a
signed-in account (staff or guest). Any app may call it (it is foundation: no Plex here). The
newsletters sign with their own salt and serve without a login (mail clients have no session):
:func:`sign` and :func:`read` take the salt.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from .tautulli_api import ApiError

SALT = "plex.image"
# The placeholders a link may name (Tautulli's ``fallback`` names).
FALLBACKS = ("poster", "poster-live", "cover", "art", "art-live", "art-live-full", "user")


def pms_image_path(img: str) -> str:
    """``img`` as Tautulli asks PMS for it: an ``http(s)`` URL as is; a PMS path without its
    query and cut to the item's image (``/library/metadata/1/thumb/1590245989`` →
    ``/library/metadata/1/thumb``, so one cache entry per item image; ``refresh`` renews it).
    Anything else (relative paths, ``..``) raises :class:`ApiError` (a 400 for the API)."""
    if img.startswith(("http://", "https://")):
        return img
    path = img.split("?", 1)[0]
    segments = path.split("/")
    if not path.startswith("/") or ".." in segments or "\\" in path:
        raise ApiError("Parameter img must be a PMS image path or an http(s) URL")
    parts = 5 - int(path.startswith("/playlists")) + int("composite" in path)
    return "/".join(segments[:parts])


def sign(
    server_id: int, img: str | None, width: int, height: int, fallback: str = "poster", *, salt
) -> str:
    """The signed token of PMS image ``img`` of server ``server_id`` at ``width`` × ``height``
    pixels, with placeholder ``fallback`` (a name of :data:`FALLBACKS`: poster, cover,
    art, user...). ``img`` is normalised as the image proxy does
    (``/library/metadata/1/thumb/1590245989`` → ``/library/metadata/1/thumb``); an http(s) URL
    is fetched by PMS; an unusable path, "" or None gives the placeholder."""
    try:
        path = pms_image_path(img or "")
    except ApiError:  # a path PMS would refuse: the placeholder
        path = ""
    if fallback not in FALLBACKS:
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


def image_url(
    server_id: int | None, img: str | None, width: int, height: int, fallback: str = "poster"
) -> str:
    """The URL (``/image/<token>``, relative to the site) of PMS image ``img`` of server
    ``server_id`` resized to ``width`` × ``height`` pixels, for a signed-in page; see
    :func:`sign`. Ask for twice the size shown, for sharp screens. Without a server: the
    placeholder ``fallback``."""
    token = sign(server_id or 0, img if server_id else "", width, height, fallback, salt=SALT)
    return reverse("plex_image", args=[token])
