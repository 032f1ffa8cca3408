"""/api/v2 get_new_rating_keys and get_old_rating_keys: an item's rating-key tree now (the
inventory) and in the history (see :mod:`stats.rating_keys`)."""

from core.tautulli_api import ApiError, Params, api_command
from servers.apiv2 import server_from_params

from .rating_keys import MEDIA_TYPES, new_rating_keys, old_rating_keys


def rating_key_params(params: Params) -> tuple[int, str | None]:
    """``(rating_key, media_type)``: rating_key required (an integer ≥ 0); media_type optional,
    one of movie, show, season, episode, artist, album, track. Raises ApiError."""
    rating_key = params.int("rating_key", required=True, minimum=0)
    media_type = (params.str("media_type") or "").strip().lower() or None
    if media_type is not None and media_type not in MEDIA_TYPES:
        raise ApiError("Parameter media_type must be one of: " + ", ".join(MEDIA_TYPES))
    return rating_key, media_type


@api_command()
def get_new_rating_keys(request, params):
    """Get a list of new rating keys for the PMS of all of the item's parent/children.

    Required parameters: rating_key (int): "12345", any level of the item (an old key is
    followed to the item's current key).
    Optional parameters: media_type (str): "movie", "show", "season", "episode", "artist",
    "album" or "track" (the inventory's own type is used when it knows the item); server (str).
    Returns: json: {"0": {"rating_key": 165434, "children": {"2": {"rating_key": 165498,
    "children": {"1": {"rating_key": 165499}, ...}}, ...}}, "section_id": "30", "library_name":
    "TV Shows"} — the show's seasons by number and their episodes by number (music: the
    artist's and albums' titles in lower case, tracks by number); a movie: {"0": {"rating_key":
    166685}}.

    Answered from the library inventory (refreshed from PMS every 12 hours and on demand), not
    live from PMS. An item the inventory does not have (and not a movie): {} (as Tautulli).
    """
    rating_key, media_type = rating_key_params(params)
    server = server_from_params(params)
    if server is None:
        return {"0": {"rating_key": rating_key}} if media_type == "movie" else {}
    return new_rating_keys(server, rating_key, media_type)


@api_command()
def get_old_rating_keys(request, params):
    """Get a list of old rating keys from the Tautulli database for all of the item's
    parent/children.

    Required parameters: rating_key (int): "12345", any level of the item (a current key whose
    item was re-added is followed back to the keys it had).
    Optional parameters: media_type (str): "movie", "show", "season", "episode", "artist",
    "album" or "track" (without it: the history's type); server (str).
    Returns: json: {"0": {"rating_key": 165434, "children": {"13": {"rating_key": 167783,
    "children": {"31": {"rating_key": 168263}, ...}}, ...}}} — the seasons and episodes the
    history holds, in descending rating-key order; a movie: {"0": {"rating_key": 166685}}.
    No history for the item (and not a movie): {} (as Tautulli).
    """
    rating_key, media_type = rating_key_params(params)
    server = server_from_params(params)
    if server is None:
        return {"0": {"rating_key": rating_key}} if media_type == "movie" else {}
    return old_rating_keys(server, rating_key, media_type)
