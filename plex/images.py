"""Images resized by PMS's photo transcoder: Tautulli's image proxy (``pms_image_proxy``)."""

from __future__ import annotations

from urllib.parse import urlencode

import requests

from .client import DEFAULT_TIMEOUT, PlexUnavailable, describe_error


class ImageNotFound(PlexUnavailable):
    """PMS answered, but has no such image (HTTP 404): the request's fault, not the server's."""


def fetch_image(
    server,
    img: str,
    *,
    width: int,
    height: int,
    opacity: int | None = None,
    background: str | None = None,
    blur: int | None = None,
    img_format: str = "png",
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[bytes, str]:
    """An image resized by PMS's transcoder (``/photo/:/transcode?url=<img>&width=..``, as
    Tautulli's ``get_image``): ``(bytes, content type)``.

    ``img`` is a PMS path (``/library/metadata/1/thumb/1590245989``) or an ``http(s)`` URL that PMS
    fetches itself. The token goes in the ``X-Plex-Token`` header (and, for a PMS path, in the
    inner URL, as the Plex apps send it): never in an answer or a log. Raises :class:`ImageNotFound`
    when PMS answers 404, PlexUnavailable when it is unreachable or answers anything else but an
    image.
    """
    if not server.url:
        raise PlexUnavailable(f"No URL is set for server {server.name!r}.")
    inner = img
    if not img.startswith(("http://", "https://")) and server.token:
        inner = f"{img}?{urlencode({'X-Plex-Token': server.token})}"
    params = {"url": inner, "width": width, "height": height, "format": img_format}
    if opacity:
        params["opacity"] = opacity
    if background:
        params["background"] = background
    if blur:
        params["blur"] = blur
    url = f"{server.url.rstrip('/')}/photo/:/transcode?{urlencode(params)}"
    headers = {"Accept": "image/*"}
    if server.token:
        headers["X-Plex-Token"] = server.token
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.exceptions.RequestException as exc:
        raise PlexUnavailable(describe_error(exc, server.url, timeout)) from None
    if response.status_code == 404:
        raise ImageNotFound(f"{server.url} has no image {img.split('?')[0]} (HTTP 404).")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if response.status_code != 200 or not content_type.startswith("image/"):
        raise PlexUnavailable(
            f"HTTP {response.status_code} from {server.url}: no image for {img.split('?')[0]}."
        )
    return response.content, content_type
