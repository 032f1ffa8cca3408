"""plexapi items read as Tautulli's text (:func:`plex.pms_fields.to_text`): attributes, dates,
sort titles, media types, and the keys get_metadata and list entries build alike."""

from __future__ import annotations

import datetime as dt

from plexapi.photo import Photoalbum

from plex.pms_fields import raw as _raw
from plex.pms_fields import tag_fields, to_text


def attr(item, name: str) -> str:
    """``item.name`` as text, else the raw XML attribute (plexapi models it on some types
    only), else ""."""
    value = getattr(item, name, None)
    return to_text(value) if value is not None else _raw(item, name)


def date(value) -> str:
    """``originallyAvailableAt`` as ``YYYY-MM-DD`` (plexapi parses it to a datetime)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    return to_text(value)


def sort_title(item) -> str:
    """``titleSort``: plexapi fills it with the title when PMS sent none; Tautulli says ""."""
    value = getattr(item, "titleSort", None)
    return "" if not value or value == getattr(item, "title", None) else value


def media_type_of(item) -> str:
    """Tautulli's media type: PMS's ``type``, with photo albums as ``photo_album``."""
    if isinstance(item, Photoalbum):
        return "photo_album"
    return getattr(item, "type", None) or ""


def item_values(item, title: str) -> dict:
    """The keys of :data:`METADATA_FIELDS <plex.pms_fields.METADATA_FIELDS>` that are not
    plexapi's attribute as text (see :func:`attr`), shared by get_metadata and list entries."""
    return {
        "title": title,
        "sort_title": sort_title(item),
        "banner": _raw(item, "banner"),
        "originally_available_at": date(getattr(item, "originallyAvailableAt", None)),
        **tag_fields(item),
        "full_title": title,
    }
