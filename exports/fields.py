"""What an export holds: the fields of each media type at each metadata and media info level,
custom fields, and the field catalogue ``get_export_fields`` answers.

The facts are Tautulli v2.17.2's exporter (``plexpy/exporter.py``; read for the facts): its
field names and levels are data here (``fields.json``: ``attrs`` the attribute tree of each
media type, ``metadata_levels`` / ``media_info_levels`` the fields each level adds). A level
holds its own fields and those of every lower level; level 9 ("everything") holds every
attribute of the media type (metadata: all but ``locations``, ``media`` and the image files;
media info: ``locations`` and the whole ``media`` tree). Level 0 holds none (custom fields
only). Child lists (a show's ``seasons``, a season's ``episodes``, a collection's or playlist's
``items``...) are fields of metadata level 1: each child is exported at the same levels.

A *spec* is the tree of what to read from one item: ``{"title": None, "genres": {"tag":
None}, "seasons": {}}``: ``None`` a value, an object a tag's/stream's attributes, and a child
list key (:data:`CHILD_LIST_KEYS`) mapping to ``{}`` (the child's spec is that of its own
media type, built by :func:`spec_for`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

METADATA_LEVELS = (0, 1, 2, 3, 9)
MEDIA_INFO_LEVELS = (0, 1, 2, 3, 9)
RESOURCE_LEVELS = (0, 1, 2, 9)
FILE_FORMATS = ("csv", "json", "xml", "m3u")
EXPORT_TYPES = ("all", "collection", "playlist")
RESOURCES = ("thumb", "art", "logo", "squareArt", "theme")

# Which images may be exported for a media type, in the order of RESOURCES.
RESOURCE_TYPES = {
    "movie": (True, True, True, True, True),
    "show": (True, True, True, True, True),
    "season": (True, True, True, True, False),
    "episode": (False, False, False, False, False),
    "artist": (True, True, True, True, True),
    "album": (True, True, True, True, False),
    "track": (False, False, False, False, False),
    "photoalbum": (True, True, True, True, False),
    "photo": (False, False, False, False, False),
    "clip": (False, False, False, False, False),
    "collection": (True, True, True, True, True),
    "playlist": (True, True, True, True, False),
}
MEDIA_TYPES = tuple(RESOURCE_TYPES)
PLURAL = {
    "movie": "movies",
    "show": "shows",
    "season": "seasons",
    "episode": "episodes",
    "artist": "artists",
    "album": "albums",
    "track": "tracks",
    "photoalbum": "photoalbums",
    "photo": "photos",
    "clip": "clips",
    "collection": "collections",
    "playlist": "playlists",
    "item": "items",
}
CHILD_TYPES = {
    "movie": [],
    "show": ["season"],
    "season": ["episode"],
    "episode": [],
    "artist": ["album"],
    "album": ["track"],
    "track": [],
    "photoalbum": ["photoalbum", "photo", "clip"],
    "photo": [],
    "clip": [],
    "collection": ["item"],
    "playlist": ["item"],
}
CHILD_LIST_KEYS = {PLURAL[child] for children in CHILD_TYPES.values() for child in children}
# Child → parent chains: a custom field of a child also exports the parent's child list.
TREES = (
    ("episode", "season", "show"),
    ("track", "album", "artist"),
    ("photo", "photoalbum"),
    ("clip", "photoalbum"),
    ("item", "collection"),
    ("item", "playlist"),
)
COLLECTION_SUB_TYPES = {"movie", "show", "artist", "album", "photoalbum"}
PLAYLIST_SUB_TYPES = {"video": ["movie", "episode"], "audio": ["track"], "photo": ["photo"]}
_IMAGE_FILES = {f"{name}File" for name in RESOURCES}


@cache
def _data() -> dict:
    return json.loads((Path(__file__).with_name("fields.json")).read_text(encoding="utf-8"))


def _type_key(media_type: str) -> str:
    return "episode" if media_type == "clip" else media_type  # clips are described as episodes


def attrs(media_type: str) -> dict:
    """The attribute tree of ``media_type`` (every field it can export)."""
    return _data()["attrs"][_type_key(media_type)]


def flatten(tree: dict, prefix: str = "") -> list[str]:
    """The dotted names of a tree's leaves (``genres.tag``, ``media.parts.file``)."""
    names = []
    for key, sub in tree.items():
        if isinstance(sub, dict) and sub and key not in CHILD_LIST_KEYS:
            names.extend(flatten(sub, f"{prefix}{key}."))
        else:
            names.append(prefix + key)
    return names


def is_media_info(name: str) -> bool:
    return name == "locations" or name == "media" or name.startswith("media.")


def level_fields(media_type: str, metadata_level: int, media_info_level: int) -> set[str]:
    """The dotted fields a media type exports at these levels."""
    data = _data()
    key = _type_key(media_type)
    names: set[str] = set()
    for level, fields in data["metadata_levels"][key].items():
        if int(level) <= metadata_level:
            names.update(fields)
    if metadata_level >= 9:
        names.update(n for n in attrs(media_type) if not is_media_info(n) and n not in _IMAGE_FILES)
    for level, fields in data["media_info_levels"][key].items():
        if int(level) <= media_info_level:
            names.update(fields)
    return names


def field_levels(media_type: str) -> tuple[dict[str, int], dict[str, int]]:
    """``({metadata field: lowest level}, {media info field: lowest level})`` of one media type
    (its own fields, not its children's); a field no level lists is level 9."""
    data = _data()
    key = _type_key(media_type)
    listed_metadata: dict[str, int] = {}
    listed_media: dict[str, int] = {}
    for listed, levels in (
        (listed_metadata, data["metadata_levels"][key]),
        (listed_media, data["media_info_levels"][key]),
    ):
        for level in sorted(levels, key=int, reverse=True):
            for name in levels[level]:
                listed[name] = int(level)
    children = {PLURAL[child] for child in CHILD_TYPES[media_type]}
    metadata, media_info = {}, {}
    for name in flatten(attrs(media_type)):
        if name in children:
            continue
        if is_media_info(name):
            media_info[name] = listed_media.get(name, 9)
        else:
            metadata[name] = listed_metadata.get(name, 9)
    return metadata, media_info


def export_fields_catalogue(media_type: str, sub_media_type: str) -> dict:
    """``get_export_fields``: ``{"metadata_fields": [{"field", "level"}...],
    "media_info_fields": [...]}`` sorted by field, children's fields prefixed by their list
    (``seasons.episodes.title``); a collection's ``items`` are of ``sub_media_type`` (movie,
    show, artist, album, photoalbum), a playlist's of its kind (video: movies and episodes,
    audio: tracks, photo: photos). Empty lists for an unknown media type or a sub media type
    that does not fit, as Tautulli answers."""
    empty = {"metadata_fields": [], "media_info_fields": []}
    subs = {s.strip().lower() for s in (sub_media_type or "").split(",")}
    if media_type not in RESOURCE_TYPES:
        return empty
    if media_type == "collection" and not subs <= COLLECTION_SUB_TYPES:
        return empty
    if media_type == "playlist" and not subs <= set(PLAYLIST_SUB_TYPES):
        return empty
    item_types = sorted(subs - set(PLAYLIST_SUB_TYPES)) if media_type != "playlist" else []
    if media_type == "playlist":
        for sub in sorted(subs):
            item_types += PLAYLIST_SUB_TYPES[sub]
    metadata, media_info = field_levels(media_type)
    for item_type in item_types or [""]:
        for child in CHILD_TYPES[media_type]:
            prefix = ""
            while child:
                fields_type = item_type if child == "item" else child
                if fields_type not in RESOURCE_TYPES:
                    break
                prefix += PLURAL[child] + "."
                child_metadata, child_media = field_levels(fields_type)
                metadata.update({prefix + k: v for k, v in child_metadata.items()})
                media_info.update({prefix + k: v for k, v in child_media.items()})
                if child == "photoalbum":
                    break
                grandchildren = CHILD_TYPES.get(fields_type)
                child = grandchildren[0] if grandchildren else None
    return {
        "metadata_fields": [{"field": k, "level": v} for k, v in sorted(metadata.items()) if v],
        "media_info_fields": [{"field": k, "level": v} for k, v in sorted(media_info.items()) if v],
    }


@dataclass
class ExportOptions:
    """What to export, once checked: levels, custom fields by media type, image levels."""

    metadata_level: int = 1
    media_info_level: int = 1
    resource_levels: dict[str, int] = field(default_factory=dict)
    custom_fields: dict[str, set[str]] = field(default_factory=dict)
    top_media_type: str = ""


def parse_custom_fields(text: str, media_type: str) -> dict[str, set[str]]:
    """``custom_fields`` (comma list, spaces ignored) by the media type they belong to:
    ``seasons.episodes.title`` of a show export is the episode field ``title``; naming a
    child's field also exports the parent's child list."""
    result: dict[str, set[str]] = {}
    for raw in text.replace(" ", "").split(","):
        if not raw:
            continue
        owner, name = _custom_owner(media_type, raw)
        result.setdefault(owner, set()).add(name)
    for tree in TREES:
        for child, parent in zip(tree[:-1], tree[1:], strict=False):
            if child in result:
                result.setdefault(parent, set()).add(PLURAL[child])
    return result


def _custom_owner(media_type: str, name: str) -> tuple[str, str]:
    for child in CHILD_TYPES.get(media_type, []):
        plural = PLURAL[child]
        if name.startswith(plural + "."):
            return _custom_owner(child, name.split(".", 1)[1])
    return media_type, name


def _set_path(tree: dict, dotted: str, whole: dict) -> bool:
    """Put ``dotted`` (a field of ``whole``, the media type's attribute tree) into ``tree``;
    False for an unknown field."""
    parts = dotted.split(".")
    source = whole
    target = tree
    for index, part in enumerate(parts):
        if not isinstance(source, dict) or part not in source:
            return False
        sub = source[part]
        last = index == len(parts) - 1
        if part in CHILD_LIST_KEYS and index == 0:
            target[part] = {}
            return True
        if last:
            target[part] = _copy(sub) if isinstance(sub, dict) else None
            return True
        if not isinstance(sub, dict):
            return False
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
        source = sub
    return True


def _copy(tree: dict) -> dict:
    return {k: _copy(v) if isinstance(v, dict) else None for k, v in tree.items()}


def spec_for(media_type: str, options: ExportOptions) -> dict:
    """The spec (see the module doc) of ``media_type`` for these options: the level fields,
    the custom fields, the child lists, and ``<resource>File`` for the images asked."""
    whole = attrs(media_type)
    wanted = level_fields(media_type, options.metadata_level, options.media_info_level)
    wanted |= options.custom_fields.get(media_type, set())
    if media_type != options.top_media_type and options.top_media_type in (
        "collection",
        "playlist",
    ):
        wanted |= options.custom_fields.get("item", set())
    for child in CHILD_TYPES.get(media_type, []):
        if child in options.custom_fields:
            wanted.add(PLURAL[child])
    allowed = RESOURCE_TYPES.get(media_type, (False,) * 5)
    for resource, ok in zip(RESOURCES, allowed, strict=True):
        if ok and options.resource_levels.get(resource):
            wanted.add(f"{resource}File")
    spec: dict = {}
    for name in sorted(wanted):
        _set_path(spec, name, whole)
    return spec


def known_field(media_type: str, name: str) -> bool:
    """Whether a custom field names an attribute of the media type (or of its children)."""
    owner, field_name = _custom_owner(media_type, name)
    return _set_path({}, field_name, attrs(owner)) if owner in RESOURCE_TYPES else False
