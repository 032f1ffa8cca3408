"""Items of a Plex collection or playlist, for ``get_history&media_type=collection&rating_key=N``.

Tautulli asks PMS for the children (``/library/collections/N/children``,
``/playlists/N/items``) and shows the history of any row whose rating key, parent or grandparent
rating key is one of them. An unreachable PMS is :class:`~core.errors.InvalidInput` (an error
envelope, HTTP 400; Tautulli raised a 500).
"""

from xml.etree import ElementTree

import requests

from core.errors import InvalidInput
from servers.models import Server

TIMEOUT = 10  # seconds

PATHS = {"collection": "/library/collections/{key}/children", "playlist": "/playlists/{key}/items"}


def collection_children(
    server: Server | None, rating_keys: list[int], media_type: str
) -> list[int]:
    """Rating keys of the items in the collections/playlists ``rating_keys`` on ``server``.

    Without ``server`` the first server is asked (Tautulli has only one).
    """
    server = server or Server.objects.default()
    if server is None or not server.url:
        raise InvalidInput(f"No Plex server to read the {media_type} from")
    children: list[int] = []
    for key in rating_keys:
        url = server.url.rstrip("/") + PATHS[media_type].format(key=key)
        try:
            response = requests.get(
                url,
                headers={"X-Plex-Token": server.token, "Accept": "application/xml"},
                timeout=TIMEOUT,
            )
            response.raise_for_status()
            root = ElementTree.fromstring(response.content)
        except (requests.RequestException, ElementTree.ParseError):
            raise InvalidInput(
                f"Could not read {media_type} {key} from Plex server {server}"
            ) from None
        for element in root:
            value = element.get("ratingKey")
            if value and value.isdigit():
                children.append(int(value))
    return children
