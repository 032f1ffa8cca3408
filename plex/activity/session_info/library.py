"""The session item as the library describes it: its metadata and the source media (the file).

Read from ``/library/metadata/<ratingKey>`` (:meth:`.cache.MetadataCache.source`), and for an
episode its show, for a track its album (:meth:`~.cache.MetadataCache.parent`); the session
item stands in when PMS cannot give them (live TV, a deleted item, an error).
"""

from __future__ import annotations

from plex.pms_fields import (
    AUDIO_CHANNELS,
    AUDIO_STREAM_FIELDS,
    GROUPING_TAGS,
    LIVE_TV_SECTION_ID,
    LIVE_TV_SECTION_NAME,
    MEDIA_FIELDS,
    SUBTITLE_STREAM_FIELDS,
    VIDEO_STREAM_FIELDS,
    fields_without,
    full_resolution,
    guids,
    markers_of,
    read_fields,
    tag_fields,
)
from plex.pms_fields import flag as _flag
from plex.pms_fields import raw as _attr
from plex.pms_fields import to_int as _int

from .readers import by_id, dynamic_range_details, resolution_of

# --- the item's metadata -------------------------------------------------------------------

# The session dict's metadata keys: get_metadata's (media_type is the session's), plus
# extra_type (session_info drops it after using it for clip thumbs).
_SESSION_METADATA_FIELDS = (*fields_without("media_type"), ("extra_type", "extraType"))


def metadata_values(item, meta, parent, library_names: dict[str, str]) -> dict:
    """The item's metadata keys (Tautulli's ``get_metadata_details`` for the session item):
    ``meta`` is its library item (or the session item), ``parent`` the show/album or None."""
    media_type = _attr(meta, "type") or _attr(item, "type")
    title = _attr(meta, "title")
    parent_title = _attr(meta, "parentTitle")
    grandparent_title = _attr(meta, "grandparentTitle")
    if media_type == "episode":
        full_title = f"{grandparent_title} - {title}"
    elif media_type == "track":
        full_title = f"{title} - {_attr(meta, 'originalTitle') or grandparent_title}"
    elif media_type in ("season", "album"):
        full_title = f"{parent_title} - {title}"
    else:
        full_title = title
    section_id = _attr(meta, "librarySectionID") or _attr(item, "librarySectionID")
    library_name = _attr(meta, "librarySectionTitle") or library_names.get(section_id, "")
    if _attr(item, "live") == "1":
        section_id, library_name = LIVE_TV_SECTION_ID, LIVE_TV_SECTION_NAME

    # Episodes take studio, actors and genres from their show, tracks year and genres from their
    # album (when PMS gave them; else the item's own).
    show = parent if media_type == "episode" else None
    album = parent if media_type == "track" else None
    tagged = parent if parent is not None else meta

    values = {
        "section_id": section_id,
        "library_name": library_name,
        "title": title,
        "parent_title": parent_title,
        "grandparent_title": grandparent_title,
        "studio": _attr(show, "studio") if show is not None else _attr(meta, "studio"),
        "duration": _attr(meta, "duration") or _attr(item, "duration"),
        "year": _attr(album, "year") if album is not None else _attr(meta, "year"),
        "grandparent_year": _attr(show, "year") or _attr(meta, "grandparentYear"),
        "parent_thumb": _attr(meta, "parentThumb") or _attr(show, "thumb"),
        "banner": _attr(parent, "banner") if parent is not None else _attr(meta, "banner"),
        **tag_fields(meta, ("directors", "writers"), blanks=True),
        **tag_fields(show if show is not None else meta, ("actors",), blanks=True),
        **tag_fields(tagged, GROUPING_TAGS, blanks=True),
        "guids": guids(meta, blanks=True),
        "markers": markers_of(meta),
        "parent_guids": guids(album, blanks=True),
        "grandparent_guids": guids(show, blanks=True),
        "full_title": full_title,
        "children_count": _int(_attr(meta, "leafCount")),
        "live": int(_attr(meta, "live") == "1"),
    }
    return read_fields(meta, _attr, _SESSION_METADATA_FIELDS, values)


# --- source media (the library's file) ------------------------------------------------------


def _source_media(media) -> dict:
    audio_channels = _attr(media, "audioChannels")
    resolution = resolution_of(media)
    video_streams = [
        s for p in getattr(media, "parts", None) or [] for s in p.streams if s.streamType == 1
    ]
    scan_type = next((_attr(s, "scanType") for s in video_streams if _attr(s, "scanType")), "")
    values = {
        "video_resolution": resolution,
        "video_full_resolution": full_resolution(resolution, scan_type) if resolution else "",
        "audio_channel_layout": AUDIO_CHANNELS.get(audio_channels, audio_channels),
        "optimized_version": int(_attr(media, "proxyType") == "42"),
        "begins_at": _int(_attr(media, "beginsAt")),
        "ends_at": _int(_attr(media, "endsAt")),
    }
    return read_fields(media, _attr, MEDIA_FIELDS, values)


def _source_part(part) -> dict:
    return {
        "id": _attr(part, "id"),
        "file": _attr(part, "file"),
        "file_size": _attr(part, "size"),
        "indexes": int(_attr(part, "indexes") == "sd"),
        "selected": _flag(part, "selected"),
    }


def _source_video(stream) -> dict:
    return read_fields(stream, _attr, VIDEO_STREAM_FIELDS, dynamic_range_details(stream, "video_"))


def _source_audio(stream) -> dict:
    channels = _attr(stream, "channels")
    layout = _attr(stream, "audioChannelLayout") or AUDIO_CHANNELS.get(channels, channels)
    return read_fields(stream, _attr, AUDIO_STREAM_FIELDS, {"audio_channel_layout": layout})


def _source_subtitle(stream) -> dict:
    location = ("external" if _attr(stream, "key") else "embedded") if stream is not None else ""
    values = {"subtitle_forced": _flag(stream, "forced"), "subtitle_location": location}
    return read_fields(stream, _attr, SUBTITLE_STREAM_FIELDS, values)


def source_values(meta, stream_media, stream_part, chosen: dict) -> dict:
    """Source media, part and streams: the library's media matching the streamed ids (else the
    first), then its stream of each type played (by id, else the first of that type)."""
    medias = list(getattr(meta, "media", None) or [])
    media = by_id(medias, getattr(stream_media, "id", None))
    parts = list(getattr(media, "parts", None) or [])
    part = by_id(parts, getattr(stream_part, "id", None))
    streams = list(getattr(part, "streams", None) or [])

    def matching(kind: int):
        played = chosen.get(kind)
        if played is None:
            return None
        same = next((s for s in streams if s.id == played.id), None)
        return same or next((s for s in streams if s.streamType == kind), None)

    video, audio, subtitle = matching(1), matching(2), matching(3)
    details = {**_source_media(media), **_source_part(part)}
    for stream, build in ((video, _source_video), (audio, _source_audio)):
        if stream is not None:
            details.update(build(stream))
        else:  # keep what the media says (codec, channels) when PMS lists no such stream
            for key, value in build(None).items():
                details.setdefault(key, value)
    details.update(_source_subtitle(subtitle))
    # As Tautulli merges them: "selected" is the last stream's found (else the part's); "id" and
    # "type" are the subtitle stream's ("" without one).
    last = next((s for s in (subtitle, audio, video) if s is not None), part)
    details["selected"] = _flag(last, "selected")
    return details
