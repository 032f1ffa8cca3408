"""What housekeeping (issue 14) asks of Plex, and the only place it talks to Plex: whether the
server allows media deletion, deleting an item's media, and keeping the "leaving soon"
collection of a library in step with the candidates.

Everything goes through plexapi on the ``PlexServer`` of :func:`plex.client.connect`. Failures
are raised as the exceptions of this module (all :class:`PlexHousekeepingError`), whose text is
one readable line without the token:

* :class:`PlexDeletionRefused` — the server's "Allow media deletion" setting is off (checked
  on a fresh read of PMS's root before anything is sent), or PMS refused the DELETE;
* :class:`PlexItemGone` — PMS does not know the rating key (HTTP 404): the item is already gone;
* :class:`PlexUnreachable` — PMS cannot be reached, rejects the token, or fails otherwise
  (also a :class:`plex.client.PlexUnavailable`);
* :class:`PlexCollectionError` — the collection cannot be kept (a smart collection of that
  title, items of several types, an unknown library section).
"""

from __future__ import annotations

from plexapi.exceptions import BadRequest, NotFound

from plex.client import PLEX_ERRORS, PlexUnavailable, connect, describe_error, forget

FETCH_CHUNK = 100  # rating keys per /library/metadata/<k1,k2,...> request (URL length)
TIMEOUT = 30  # seconds per request: PMS deleting files or editing a collection takes a while


class PlexHousekeepingError(Exception):
    """A housekeeping request to Plex failed; ``str(exc)`` is one line without the token."""


class PlexDeletionRefused(PlexHousekeepingError):
    """The server does not allow media deletion (setting "Allow media deletion" off, PMS root
    attribute ``allowMediaDeletion``), or PMS refused the deletion (HTTP 400)."""


class PlexItemGone(PlexHousekeepingError):
    """PMS answered HTTP 404 for the item: it is already gone (deleted or re-keyed)."""


class PlexUnreachable(PlexHousekeepingError, PlexUnavailable):
    """PMS could not be reached, rejected the token or failed while answering."""


class PlexCollectionError(PlexHousekeepingError):
    """The collection cannot be kept as asked (smart collection, mixed item types, unknown
    library section)."""


def _connect(server, *, fresh: bool = False):
    """:func:`plex.client.connect` with its :class:`PlexUnavailable` as :class:`PlexUnreachable`."""
    try:
        return connect(server, TIMEOUT, fresh=fresh)
    except PlexUnavailable as exc:
        raise PlexUnreachable(str(exc)) from None


def _unreachable(server, exc: BaseException) -> PlexUnreachable:
    forget(server)  # the next attempt reconnects
    return PlexUnreachable(describe_error(exc, server.url, TIMEOUT))


def allows_deletion(server) -> bool:
    """Whether ``server`` (a :class:`servers.models.Server`) allows media deletion: PMS's root
    attribute ``allowMediaDeletion`` (the server setting "Allow media deletion"), read afresh
    (``GET /``, not a cached connection). Raises :class:`PlexUnreachable`."""
    return bool(_connect(server, fresh=True).allowMediaDeletion)


def delete_item(server, rating_key: int) -> list[dict]:
    """Delete the media files of item ``rating_key`` of ``server`` through plexapi
    (``fetchItem(rating_key).delete()``: ``DELETE /library/metadata/<rating_key>``; for a show
    or season PMS deletes every episode's files).

    Returns the requests that changed something, as the audit stores them:
    ``[{"method": "DELETE", "service": "plex", "path": "/library/metadata/123"}]`` (never the
    token or the host).

    Raises :class:`PlexDeletionRefused` when the server does not allow media deletion
    (checked on PMS's root before anything is sent; then nothing is sent) or refuses the
    DELETE; :class:`PlexItemGone` when PMS answers HTTP 404 (the item is already gone);
    :class:`PlexUnreachable` when PMS cannot be reached or fails.
    """
    plex = _connect(server, fresh=True)
    if not plex.allowMediaDeletion:
        raise PlexDeletionRefused(
            f"{server.name} does not allow media deletion: turn on "
            '"Allow media deletion" in the Plex server\'s settings (Library).'
        )
    path = f"/library/metadata/{int(rating_key)}"
    try:
        item = plex.fetchItem(int(rating_key))
        item.delete()
    except NotFound:
        raise PlexItemGone(f"Item {rating_key} is not on {server.name} any more.") from None
    except BadRequest as exc:
        raise PlexDeletionRefused(
            f"{server.name} refused to delete item {rating_key}: "
            f"{describe_error(exc, server.url, TIMEOUT)}"
        ) from None
    except PLEX_ERRORS as exc:
        raise _unreachable(server, exc) from None
    return [{"method": "DELETE", "service": "plex", "path": path}]


def _fetch(plex, rating_keys: list[int]) -> list:
    """The plexapi items of ``rating_keys`` PMS knows (``/library/metadata/1,2,...``,
    :data:`FETCH_CHUNK` keys a request), in PMS's order."""
    items = []
    for start in range(0, len(rating_keys), FETCH_CHUNK):
        try:
            items += plex.fetchItems(rating_keys[start : start + FETCH_CHUNK])
        except NotFound:
            continue  # none of them is known any more
    return items


def _find_collection(section, title: str):
    """The collection of ``section`` titled exactly ``title`` (ignoring case), or None."""
    try:
        return section.collection(title)
    except NotFound:
        return None


def sync_collection(server, section_id: int, title: str, rating_keys: list[int]) -> dict:
    """Keep the collection titled ``title`` of library section ``section_id`` of ``server``
    holding exactly the items ``rating_keys`` (housekeeping's "leaving soon" collection),
    through plexapi's collection API: made (``createCollection``) when missing and there are
    items, missing items added (``addItems``), extra ones removed (``removeItems``), and
    deleted (``delete``) when ``rating_keys`` is empty. Rating keys PMS no longer knows are
    left out. The items must all be of one type (PMS's collections are).

    Returns ``{"added": items added, "removed": items removed, "created": bool,
    "deleted": bool}`` (all 0/False when it was already in step).

    Raises :class:`PlexCollectionError` (a smart collection of that title, items of several
    types, no such section), :class:`PlexUnreachable` (PMS cannot be reached or fails).
    """
    result = {"added": 0, "removed": 0, "created": False, "deleted": False}
    wanted = list(dict.fromkeys(int(key) for key in rating_keys))
    plex = _connect(server)
    try:
        try:
            section = plex.library.sectionByID(int(section_id))
        except NotFound:
            raise PlexCollectionError(
                f"{server.name} has no library section {section_id}."
            ) from None
        collection = _find_collection(section, title)
        if collection is not None and collection.smart:
            raise PlexCollectionError(
                f'"{title}" of {server.name} is a smart collection: housekeeping keeps its '
                "items itself and needs a regular one (rename or delete it)."
            )
        if not wanted:
            if collection is not None:
                collection.delete()
                result["deleted"] = True
            return result
        present = {item.ratingKey: item for item in collection.items()} if collection else {}
        missing = [key for key in wanted if key not in present]
        items = _fetch(plex, missing)
        if len({item.type for item in [*items, *present.values()]}) > 1:
            raise PlexCollectionError(
                f'"{title}" cannot hold items of several types (PMS collections hold one).'
            )
        if collection is None:
            if items:
                section.createCollection(title, items=items)
                result["created"] = True
                result["added"] = len(items)
            return result
        extra = [item for key, item in present.items() if key not in wanted]
        if extra:
            collection.removeItems(extra)
            result["removed"] = len(extra)
        if items:
            collection.addItems(items)
            result["added"] = len(items)
    except BadRequest as exc:
        raise PlexCollectionError(
            f'{server.name} refused to change the collection "{title}": '
            f"{describe_error(exc, server.url, TIMEOUT)}"
        ) from None
    except PLEX_ERRORS as exc:
        raise _unreachable(server, exc) from None
    return result
