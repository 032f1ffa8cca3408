"""Re-keying logged history to an item's new rating keys (``/api/v2 update_metadata_details``).

The rule is Tautulli's (``datafactory.get_rating_keys_list`` and ``update_metadata``, v2.17.2):
the item's whole tree is re-keyed, not the item alone. A tree is a dict ``{key: Node}`` of one
grandparent (a show or an artist) whose ``children`` are its parents (seasons or albums) whose
``children`` are the played items (episodes or tracks); a movie's tree is ``{0: Node(key)}``.
Keys at each level are what is matched between the tree logged here (:func:`old_tree`) and the
tree PMS has for the new key (built by :mod:`plex.metadata_rekey`):

* TV: the show is ``0``, a season its ``parent_media_index``, an episode its ``media_index``;
* music: the artist and an album their lower-case title, a track its ``media_index`` (its
  lower-case title when it has no index);
* movie: ``0``.

:func:`pairs` matches both trees level by level (old rating key → new rating key) and
:func:`apply_pairs` rewrites the rows of each pair at its level (show/artist →
``grandparent_rating_key``, season/album → ``parent_rating_key``, episode/track/movie →
``rating_key``) in :class:`~history.models.History`, :class:`~history.models.HistoryMetadata`
and (``rating_key``) :class:`~history.models.HistoryMediaInfo`, with the titles PMS has now.
This module never talks to Plex: the new tree is given to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, Concat, NullIf

from core import clock
from libraries.models import RatingKeyChange

from .grouping import sync_groups
from .models import History, HistoryMediaInfo, HistoryMetadata

MEDIA_TYPES = ("movie", "show", "season", "episode", "artist", "album", "track")
MUSIC_TYPES = frozenset({"artist", "album", "track"})
# The History key column of each media type (where its rating key is logged).
KEY_COLUMNS = {
    "movie": "rating_key",
    "episode": "rating_key",
    "track": "rating_key",
    "season": "parent_rating_key",
    "album": "parent_rating_key",
    "show": "grandparent_rating_key",
    "artist": "grandparent_rating_key",
}
# Per tree depth: the key column, the HistoryMetadata title column, the media types (TV, music).
LEVELS = (
    ("grandparent_rating_key", "grandparent_title", ("show", "artist")),
    ("parent_rating_key", "parent_title", ("season", "album")),
    ("rating_key", "title", ("episode", "track")),
)
MOVIE_LEVELS = (("rating_key", "title", ("movie", "movie")),)
CHUNK = 2000  # ids per UPDATE ... WHERE id IN (...)


@dataclass
class Node:
    """One item of a tree: its rating key, its title (None: unknown, left as logged) and its
    children by match key."""

    rating_key: int
    title: str | None = None
    children: dict[Hashable, Node] = field(default_factory=dict)


@dataclass(frozen=True)
class Pair:
    """An old rating key matched to a new one at ``depth`` of the tree (0 grandparent, 1 parent,
    2 played item; a movie's is 0), with the new item's title (None: keep the logged titles)."""

    depth: int
    old_rating_key: int
    new_rating_key: int
    title: str | None = None


def match_key(index, title, *, by_title: bool) -> Hashable:
    """The key an item is matched by: its lower-case title when ``by_title`` or it has no
    index, else its index (an int)."""
    if not by_title and index is not None and index != "":
        return int(index)
    return str(title or "").lower()


def old_tree(server, rating_key: int, media_type: str) -> dict[Hashable, Node]:
    """The tree of ``rating_key`` (a ``media_type`` item) as logged in ``server``'s history.

    A movie's is ``{0: Node(rating_key)}`` (whatever is logged). Otherwise the grandparent of the
    item is found from its key column (:data:`KEY_COLUMNS`, indexed in History), then every
    distinct key, title and index logged under that grandparent is read in one query and
    arranged as the module doc says; ``{}`` when no row has the key. When a key was logged with
    several titles or indexes, one of them is used (the same each time).
    """
    if media_type == "movie":
        return {0: Node(int(rating_key))}
    rows = History.objects.filter(server=server)  # its key columns are indexed
    grandparent = (
        rows.filter(**{KEY_COLUMNS[media_type]: rating_key}, grandparent_rating_key__isnull=False)
        .values_list("grandparent_rating_key", flat=True)
        .first()
    )
    if grandparent is None:
        return {}
    by_title = media_type in MUSIC_TYPES
    columns = (
        "rating_key",
        "parent_rating_key",
        "metadata__title",
        "metadata__parent_title",
        "metadata__grandparent_title",
        "metadata__media_index",
        "metadata__parent_media_index",
    )
    logged = (
        rows.filter(grandparent_rating_key=grandparent)
        .values_list(*columns)
        .order_by(*columns)
        .distinct()
    )
    top = Node(grandparent)
    root_key: Hashable = 0
    parents: dict[int, Node] = {}
    parent_keys: dict[int, Hashable] = {}
    children: dict[int, tuple[int, Hashable]] = {}
    for key, parent, title, parent_title, grandparent_title, index, parent_index in logged:
        if by_title:
            root_key = match_key(None, grandparent_title, by_title=True)
        if parent is None:
            continue
        parents.setdefault(parent, Node(parent))
        parent_keys[parent] = match_key(parent_index, parent_title, by_title=by_title)
        if key is not None:
            children[key] = (parent, match_key(index, title, by_title=False))
    for parent, node in parents.items():
        top.children[parent_keys[parent]] = node
    for key, (parent, child_key) in children.items():
        parents[parent].children[child_key] = Node(key)
    return {root_key: top}


def pairs(old: dict[Hashable, Node], new: dict[Hashable, Node], depth: int = 0) -> list[Pair]:
    """Old → new rating keys of the items found in both trees under the same key, level by
    level (Tautulli's ``get_pairs``); an item only in ``old`` keeps its key, and so do its
    children."""
    found = []
    for key, node in old.items():
        other = new.get(key)
        if other is None:
            continue
        found.append(Pair(depth, node.rating_key, other.rating_key, other.title))
        found += pairs(node.children, other.children, depth + 1)
    return found


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def apply_pairs(server, found: list[Pair], media_type: str) -> int:
    """Rewrite ``server``'s history for ``found`` (see :func:`pairs`) in one transaction;
    returns the number of rows changed (0: nothing was).

    Each pair's rows are those logged with its old key at its level, read before anything is
    changed (so a key moved onto another pair's old key is not moved twice). They take the new
    key in History, HistoryMetadata and, at the played item's level, HistoryMediaInfo; their
    title column at that level (``grandparent_title``, ``parent_title``, ``title``) takes the
    pair's title when it has one, and episodes' and tracks' ``full_title`` is built again as
    Tautulli builds it ("Show - Episode", "Track - Artist"). A
    :class:`~libraries.models.RatingKeyChange` records each pair that moved rows. The plays are
    then regrouped (:func:`~history.grouping.sync_groups`), which recomputes the statistics of
    the old and new keys.
    """
    music = media_type in MUSIC_TYPES
    history = History.objects.filter(server=server)
    changed: set[int] = set()
    retitled: set[int] = set()
    key_changes = []
    with transaction.atomic():
        selected = []
        levels = MOVIE_LEVELS if media_type == "movie" else LEVELS
        for depth, (column, title_column, types) in enumerate(levels):
            level = {p.old_rating_key: p for p in found if p.depth == depth}
            level = {old: p for old, p in level.items() if old != p.new_rating_key or p.title}
            ids: dict[int, list[int]] = defaultdict(list)
            for olds in _chunks(list(level)):
                for pk, old in history.filter(**{f"{column}__in": olds}).values_list("pk", column):
                    ids[old].append(pk)
            media = types[1] if music else types[0]
            selected.append((column, title_column, media, level, ids))
        for column, title_column, media, level, ids in selected:
            for old, pks in ids.items():
                pair = level[old]
                values = {column: pair.new_rating_key}
                titles = {title_column: pair.title} if pair.title is not None else {}
                for chunk in _chunks(pks):
                    HistoryMetadata.objects.filter(pk__in=chunk).update(**values, **titles)
                    if column == "rating_key":
                        HistoryMediaInfo.objects.filter(pk__in=chunk).update(**values)
                    History.objects.filter(pk__in=chunk).update(**values)
                if pair.new_rating_key != old:
                    changed.update(pks)
                    key_changes.append(
                        RatingKeyChange(
                            server=server,
                            old_rating_key=old,
                            new_rating_key=pair.new_rating_key,
                            media_type=media,
                            changed_at=clock.now(),
                        )
                    )
                if titles:
                    retitled.update(pks)
        _full_titles(sorted(retitled))
        RatingKeyChange.objects.bulk_create(key_changes, ignore_conflicts=True)
    if changed:
        sync_groups()
    return len(changed)


def _full_titles(ids: list[int]) -> None:
    """Tautulli's ``full_title`` of the episodes and tracks among ``ids``, from their titles."""
    text = TextField()
    dash = Value(" - ", output_field=text)
    episode = Concat(F("grandparent_title"), dash, F("title"), output_field=text)
    artist = Coalesce(
        NullIf(F("original_title"), Value("", output_field=text)),
        F("grandparent_title"),
        output_field=text,
    )
    track = Concat(F("title"), dash, artist, output_field=text)
    for chunk in _chunks(ids):
        rows = HistoryMetadata.objects.filter(pk__in=chunk)
        rows.filter(media_type="episode").update(full_title=episode)
        rows.filter(media_type="track").update(full_title=track)
