"""Tautulli's rating-key trees of an item (``get_new_rating_keys`` / ``get_old_rating_keys``):
the keys of a show (or artist), its seasons (albums) and their episodes (tracks), nested by
their numbers, so that a client can pair the keys an item had in the history with the keys PMS
gives it now (Tautulli's "fix metadata" of an item PMS re-added; its ``update_metadata`` pairs
two trees level by level on the same index).

Tautulli v2.17.2 (read for the facts: ``plexpy/pmsconnect.py`` and ``plexpy/datafactory.py``,
``get_rating_keys_list``) builds:

* new keys from PMS: ``{"0": {"rating_key": show, "children": {"<season index>": {"rating_key":
  season, "children": {"<episode index>": {"rating_key": episode}, ...}}, ...}},
  "section_id": "<id>", "library_name": "<name>"}``, children in PMS's order;
* old keys from its history table, the tree of the show the key belongs to (the key may be the
  show's, a season's or an episode's), seasons and episodes in descending rating-key order,
  without ``section_id`` / ``library_name``;
* music is matched by title instead of index: the root's key is the artist's title and an
  album's its title (lower case); a track's key is its number (its title when it has none);
* a movie is ``{"0": {"rating_key": <key>}}``.

Here both answer from our own tables, not from PMS: the new keys from the inventory
(:class:`libraries.models.LibraryMedia`, present items, refreshed by ``plex.inventory``) after
following :class:`libraries.models.RatingKeyChange` from an old key to the item's current key;
the old keys from the history (:class:`history.models.History` and its metadata), for the
given key or, when it has no history, for the keys the item had before
(:class:`~libraries.models.RatingKeyChange` followed backwards, most recent first). Keys of the
trees are JSON object keys (strings); rating keys are ints. An item neither table knows answers
``{}`` (Tautulli's answer when it cannot build the tree).
"""

from __future__ import annotations

from django.db.models import F, Max, Q
from django.db.models.functions import Lower

from history.models import History
from libraries.models import Library, LibraryMedia, RatingKeyChange

MUSIC_TYPES = ("artist", "album", "track")
TREE_TYPES = ("show", "season", "episode", *MUSIC_TYPES)
MEDIA_TYPES = ("movie", *TREE_TYPES)
PARENT_TYPES = ("season", "album")
LEAF_TYPES = ("episode", "track")
# Items without a number first, on PostgreSQL as on SQLite (its NULL order).
_INDEX_FIRST_NULLS = F("media_index").asc(nulls_first=True)
MAX_HOPS = 50  # RatingKeyChange links followed at most (a cycle stops earlier)


def _follow(server, rating_key: int, *, forward: bool) -> list[int]:
    """``rating_key`` then the keys it became (``forward``) or had before, one link at a time,
    the most recent change first; each key once."""
    keys = [rating_key]
    changes = RatingKeyChange.objects.filter(server=server).order_by("-changed_at", "-id")
    source, target = (
        ("old_rating_key", "new_rating_key") if forward else ("new_rating_key", "old_rating_key")
    )
    while len(keys) <= MAX_HOPS:
        following = (
            changes.filter(**{source: keys[-1]})
            .exclude(**{f"{target}__in": keys})
            .values_list(target, flat=True)
            .first()
        )
        if following is None:
            break
        keys.append(following)
    return keys


def current_rating_key(server, rating_key: int) -> int:
    """The key PMS gives the item now: ``rating_key`` followed through every
    :class:`RatingKeyChange` (old → new, the most recent first)."""
    return _follow(server, rating_key, forward=True)[-1]


def _movie(rating_key: int) -> dict:
    return {"0": {"rating_key": rating_key}}


# --- new keys (the inventory) -------------------------------------------------------------------


def new_rating_keys(server, rating_key: int, media_type: str | None = None) -> dict:
    """Tautulli's ``get_new_rating_keys`` for ``rating_key`` (any level: a show, season or
    episode key gives its show's tree), answered from the present inventory items of
    ``server`` after following the item's rating-key changes to its current key.

    The item's own type (the inventory's) decides the shape; ``media_type`` is only used for
    an item the inventory does not know: ``"movie"`` answers ``{"0": {"rating_key": key}}``
    as Tautulli (which does not check), anything else ``{}``. Seasons (albums) are in index
    (title) order, episodes (tracks) in index order; a season without episodes has empty
    ``children``. ``section_id`` is text, ``library_name`` the library's name ("" unknown).
    """
    key = current_rating_key(server, rating_key)
    present = LibraryMedia.objects.present().filter(server=server)
    item = (
        present.filter(rating_key=key)
        .values("media_type", "parent_rating_key", "grandparent_rating_key")
        .first()
    )
    if item is None:
        return _movie(key) if media_type == "movie" else {}
    if item["media_type"] == "movie":
        return _movie(key)
    if item["media_type"] in LEAF_TYPES:
        root_key = item["grandparent_rating_key"]
    elif item["media_type"] in PARENT_TYPES:
        root_key = item["parent_rating_key"]
    else:
        root_key = key
    root = present.filter(rating_key=root_key, media_type__in=("show", "artist")).first()
    if root is None:
        return {}
    music = root.media_type == "artist"
    parents = {}
    keys_of_parents = {}
    for parent in present.filter(
        parent_rating_key=root.rating_key, media_type__in=PARENT_TYPES
    ).order_by(_INDEX_FIRST_NULLS, Lower("sort_title"), Lower("title"), "rating_key"):
        if music or parent.media_index is None:
            name = parent.title.lower()
        else:
            name = str(parent.media_index)
        children: dict = {}
        parents[name] = {"rating_key": parent.rating_key, "children": children}
        keys_of_parents[parent.rating_key] = children
    leaves = present.filter(grandparent_rating_key=root.rating_key, media_type__in=LEAF_TYPES)
    for parent_key, index, title, leaf_key in leaves.order_by(
        _INDEX_FIRST_NULLS, "rating_key"
    ).values_list("parent_rating_key", "media_index", "title", "rating_key"):
        children = keys_of_parents.get(parent_key)
        if children is not None:
            children[str(index) if index is not None else title] = {"rating_key": leaf_key}
    library = Library.objects.filter(server=server, section_id=root.section_id).first()
    return {
        (root.title.lower() if music else "0"): {
            "rating_key": root.rating_key,
            "children": parents,
        },
        "section_id": str(root.section_id),
        "library_name": (library.section_name or "") if library else "",
    }


# --- old keys (the history) ---------------------------------------------------------------------


def _history_row(server, rating_key: int) -> dict | None:
    """One history row of ``server`` where ``rating_key`` is the item, its parent or its
    grandparent (Tautulli's lookup), or None."""
    return (
        History.objects.filter(
            Q(rating_key=rating_key)
            | Q(parent_rating_key=rating_key)
            | Q(grandparent_rating_key=rating_key),
            server=server,
        )
        .order_by()
        .values("rating_key", "grandparent_rating_key", "media_type")
        .first()
    )


def old_rating_keys(server, rating_key: int, media_type: str | None = None) -> dict:
    """Tautulli's ``get_old_rating_keys`` for ``rating_key``: the tree of the show (artist)
    the key belongs to, as ``server``'s history holds it (the latest row of each key gives
    its number and title), seasons and episodes in descending rating-key order.

    The key's own history is used when it has any; otherwise the keys the item had before
    (:class:`RatingKeyChange` followed backwards, the most recent change first) are tried in
    turn, so the current key of a re-added item answers the tree of its old keys. ``media_type``
    ("movie", or a music type for title matching) is Tautulli's; without it the history row's
    type decides. A movie: ``{"0": {"rating_key": key}}`` (the key with history, else the
    given one, as Tautulli which does not check); no history at all: ``{}``.
    """
    row = None
    for key in _follow(server, rating_key, forward=False):
        row = _history_row(server, key)
        if row is not None:
            break
    if row is None:
        return _movie(rating_key) if media_type == "movie" else {}
    kind = media_type or row["media_type"]
    grandparent = row["grandparent_rating_key"]
    if kind == "movie" or grandparent is None:
        return _movie(key if kind == "movie" else row["rating_key"])
    music = kind in MUSIC_TYPES
    # The latest row of each item of the show: its number and titles (one row per item read).
    latest = (
        History.objects.filter(server=server, grandparent_rating_key=grandparent)
        .exclude(parent_rating_key=None)
        .exclude(rating_key=None)
        .order_by()
        .values("rating_key")
        .annotate(last=Max("id"))
        .values("last")
    )
    rows = (
        History.objects.filter(id__in=latest)
        .order_by("-id")
        .values_list(
            "rating_key",
            "parent_rating_key",
            "metadata__media_index",
            "metadata__parent_media_index",
            "metadata__title",
            "metadata__parent_title",
            "metadata__grandparent_title",
        )
    )
    leaves: dict[int, tuple] = {}  # leaf key → (parent key, number, title) of its latest row
    parents: dict[int, tuple] = {}  # parent key → (number, title) of its latest row
    root_title = None
    for leaf_key, parent_key, index, parent_index, title, parent_title, root in rows:
        leaves.setdefault(leaf_key, (parent_key, index, title))
        parents.setdefault(parent_key, (parent_index, parent_title))
        if root_title is None:
            root_title = root
    children_of: dict[int, dict] = {key: {} for key in parents}
    for leaf_key in sorted(leaves, reverse=True):
        parent_key, index, title = leaves[leaf_key]
        # Tautulli: the number, else (none, or 0) the title in lower case.
        name = str(index) if index else str(title).lower()
        children_of[parent_key][name] = {"rating_key": leaf_key}
    tree = {}
    for parent_key in sorted(parents, reverse=True):
        parent_index, parent_title = parents[parent_key]
        if music or parent_index is None:
            name = str(parent_title).lower()
        else:
            name = str(parent_index)
        tree[name] = {"rating_key": parent_key, "children": children_of[parent_key]}
    return {
        (str(root_title).lower() if music else "0"): {"rating_key": grandparent, "children": tree}
    }
