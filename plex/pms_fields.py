"""What :mod:`plex.metadata` (``get_metadata``) and :mod:`plex.activity.session_info`
(``get_activity``) share: Tautulli's tables (plexpy/common.py, v2.17.2), the PMS attribute behind
each of Tautulli's item keys, and small readers of plexapi objects.

Two ways to read a value are used: :func:`raw` is PMS's attribute text verbatim (the element
plexapi built the object from), what the session dict shows; :mod:`plex.metadata` reads plexapi's
typed attribute and writes it back as Tautulli's text. :func:`read_fields` builds a dict of
Tautulli keys with either reader.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

LIVE_TV_SECTION_ID = "999999"  # Tautulli's pseudo library of live TV (common.LIVE_TV_SECTION_ID)
LIVE_TV_SECTION_NAME = "Live TV"
VIDEO_RESOLUTION_OVERRIDES = {"sd": "SD", "2k": "2k", "4k": "4k"}
AUDIO_CHANNELS = {
    "1": "Mono",
    "2": "Stereo",
    "3": "2.1",
    "4": "3.1",
    "6": "5.1",
    "7": "6.1",
    "8": "7.1",
}

# Tautulli's item keys (get_metadata and the session dict), in its order, each with the PMS
# attribute it is read from; None where the value is not one attribute (tags, lists, titles
# built from several): the caller gives those (see :func:`read_fields`).
METADATA_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("media_type", "type"),
    ("section_id", "librarySectionID"),
    ("library_name", "librarySectionTitle"),
    ("rating_key", "ratingKey"),
    ("parent_rating_key", "parentRatingKey"),
    ("grandparent_rating_key", "grandparentRatingKey"),
    ("title", "title"),
    ("parent_title", "parentTitle"),
    ("grandparent_title", "grandparentTitle"),
    ("original_title", "originalTitle"),
    ("sort_title", "titleSort"),
    ("edition_title", "editionTitle"),
    ("slug", "slug"),
    ("parent_slug", "parentSlug"),
    ("grandparent_slug", "grandparentSlug"),
    ("media_index", "index"),
    ("parent_media_index", "parentIndex"),
    ("studio", "studio"),
    ("content_rating", "contentRating"),
    ("summary", "summary"),
    ("tagline", "tagline"),
    ("rating", "rating"),
    ("rating_image", "ratingImage"),
    ("audience_rating", "audienceRating"),
    ("audience_rating_image", "audienceRatingImage"),
    ("user_rating", "userRating"),
    ("duration", "duration"),
    ("year", "year"),
    ("parent_year", "parentYear"),
    ("grandparent_year", "grandparentYear"),
    ("thumb", "thumb"),
    ("parent_thumb", "parentThumb"),
    ("grandparent_thumb", "grandparentThumb"),
    ("art", "art"),
    ("banner", "banner"),
    ("originally_available_at", "originallyAvailableAt"),
    ("added_at", "addedAt"),
    ("updated_at", "updatedAt"),
    ("last_viewed_at", "lastViewedAt"),
    ("guid", "guid"),
    ("parent_guid", "parentGuid"),
    ("grandparent_guid", "grandparentGuid"),
    ("directors", None),
    ("writers", None),
    ("actors", None),
    ("genres", None),
    ("labels", None),
    ("collections", None),
    ("guids", None),
    ("markers", None),
    ("parent_guids", None),
    ("grandparent_guids", None),
    ("full_title", None),
    ("children_count", "leafCount"),
    ("live", "live"),
)


def fields_without(*keys: str) -> tuple[tuple[str, str | None], ...]:
    """:data:`METADATA_FIELDS` less ``keys`` (order kept)."""
    left_out = set(keys)
    return tuple(field for field in METADATA_FIELDS if field[0] not in left_out)


def read_fields(
    obj, read: Callable[[object, str], object], fields: tuple, values: dict | None = None
) -> dict:
    """``{key: value}`` for each ``(key, attribute)`` of ``fields``, in their order: ``values[key]``
    when given, else ``read(obj, attribute)``. A key without attribute must be in ``values``."""
    values = values or {}
    return {
        key: values[key] if key in values else read(obj, attribute) for key, attribute in fields
    }


# media_info's keys of a version (``<Media>``), a video, audio and subtitle stream, in Tautulli's
# order, each with its PMS attribute (None: computed by the caller), as METADATA_FIELDS.
MEDIA_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("id", "id"),
    ("container", "container"),
    ("bitrate", "bitrate"),
    ("height", "height"),
    ("width", "width"),
    ("aspect_ratio", "aspectRatio"),
    ("video_codec", "videoCodec"),
    ("video_resolution", None),
    ("video_full_resolution", None),
    ("video_framerate", "videoFrameRate"),
    ("video_profile", "videoProfile"),
    ("audio_codec", "audioCodec"),
    ("audio_channels", "audioChannels"),
    ("audio_channel_layout", None),
    ("audio_profile", "audioProfile"),
    ("optimized_version", None),
    ("channel_call_sign", "channelCallSign"),
    ("channel_id", "channelID"),
    ("channel_identifier", "channelIdentifier"),
    ("channel_title", "channelTitle"),
    ("channel_thumb", "channelThumb"),
    ("channel_vcn", "channelVcn"),
    ("protocol", "protocol"),
    ("begins_at", None),
    ("ends_at", None),
)
VIDEO_STREAM_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("id", "id"),
    ("type", "streamType"),
    ("video_codec", "codec"),
    ("video_codec_level", "level"),
    ("video_bitrate", "bitrate"),
    ("video_bit_depth", "bitDepth"),
    ("video_chroma_subsampling", "chromaSubsampling"),
    ("video_color_primaries", "colorPrimaries"),
    ("video_color_range", "colorRange"),
    ("video_color_space", "colorSpace"),
    ("video_color_trc", "colorTrc"),
    ("video_dynamic_range", None),
    ("video_dovi_bl_present", None),
    ("video_dovi_el_present", None),
    ("video_dovi_level", None),
    ("video_dovi_present", None),
    ("video_dovi_profile", None),
    ("video_dovi_rpu_present", None),
    ("video_dovi_version", None),
    ("video_frame_rate", "frameRate"),
    ("video_ref_frames", "refFrames"),
    ("video_height", "height"),
    ("video_width", "width"),
    ("video_language", "language"),
    ("video_language_code", "languageCode"),
    ("video_profile", "profile"),
    ("video_scan_type", "scanType"),
)
AUDIO_STREAM_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("id", "id"),
    ("type", "streamType"),
    ("audio_codec", "codec"),
    ("audio_bitrate", "bitrate"),
    ("audio_bitrate_mode", "bitrateMode"),
    ("audio_channels", "channels"),
    ("audio_channel_layout", "audioChannelLayout"),
    ("audio_sample_rate", "samplingRate"),
    ("audio_language", "language"),
    ("audio_language_code", "languageCode"),
    ("audio_profile", "profile"),
)
SUBTITLE_STREAM_FIELDS: tuple[tuple[str, str | None], ...] = (
    ("id", "id"),
    ("type", "streamType"),
    ("subtitle_codec", "codec"),
    ("subtitle_container", "container"),
    ("subtitle_format", "format"),
    ("subtitle_forced", None),
    ("subtitle_location", None),
    ("subtitle_language", "language"),
    ("subtitle_language_code", "languageCode"),
)

# Tautulli's tag keys → the plexapi attribute listing them (:func:`tag_fields`).
TAG_ATTRIBUTES = {
    "directors": "directors",
    "writers": "writers",
    "actors": "roles",
    "genres": "genres",
    "labels": "labels",
    "collections": "collections",
}
# The tags a show, album or photo album gives its children.
GROUPING_TAGS = ("genres", "labels", "collections")


# --- readers ------------------------------------------------------------------------------------


def raw(obj, name: str) -> str:
    """PMS's text of attribute ``name`` of the element plexapi built ``obj`` from ("" when the
    attribute or the object is missing). Never makes plexapi fetch anything."""
    data = getattr(obj, "_data", None) if obj is not None else None
    return "" if data is None else data.attrib.get(name) or ""


def flag(obj, name: str) -> int:
    """1 when PMS says ``name="1"``, else 0."""
    return int(raw(obj, name) == "1")


def to_int(value) -> int:
    """Tautulli's ``cast_to_int``: junk and nothing → 0."""
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0


def to_float(value) -> float:
    """Tautulli's ``cast_to_float``: junk and blanks → 0.0."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def to_text(value) -> str:
    """A plexapi value as Tautulli's string: "" for nothing, "1"/"0" for booleans, epoch seconds
    for datetimes ("" for plexapi's NaN of a failed cast)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return str(int(value.timestamp()))
    if isinstance(value, float):
        return "" if value != value else str(value)
    return str(value)


def tags(obj, name: str, *, blanks: bool = False) -> list[str]:
    """The ``tag`` of each plexapi tag object of ``obj.<name>`` (``roles``, ``genres``...); []
    when ``obj`` is None or has none. Empty tags are left out unless ``blanks``."""
    items = getattr(obj, name, None) if obj is not None else None
    return [tag.tag for tag in items or [] if tag.tag or (blanks and tag.tag is not None)]


def tag_fields(obj, keys=tuple(TAG_ATTRIBUTES), *, blanks: bool = False) -> dict:
    """``{key: tags}`` of ``obj`` for Tautulli's tag ``keys`` (``actors`` are plexapi's ``roles``;
    all six by default), as :func:`tags`."""
    return {key: tags(obj, TAG_ATTRIBUTES[key], blanks=blanks) for key in keys}


def guids(obj, *, blanks: bool = False) -> list[str]:
    """The ids of ``obj``'s ``<Guid>`` elements (``imdb://...``); empty ones only if ``blanks``."""
    items = getattr(obj, "guids", None) if obj is not None else None
    return [guid.id for guid in items or [] if blanks or guid.id]


def markers_of(item) -> list[dict]:
    """``[{id, type, start_time_offset, end_time_offset, first, final}]`` (offsets in ms).

    As Tautulli: ``first`` is True on the first credits marker and False on the later ones,
    ``final`` is PMS's ``final`` flag; both are None on intro/commercial markers.
    """
    try:
        markers = list(getattr(item, "markers", None) or [])
    except AttributeError:  # a marker element plexapi cannot read: keep the rest of the item
        logger.warning("Unreadable markers on item %s", getattr(item, "ratingKey", "?"))
        return []
    result = []
    seen_credits = False
    for marker in markers:
        credits = marker.type == "credits"
        first = final = None
        if credits:
            first, seen_credits = not seen_credits, True
            final = bool(marker.final)
        result.append(
            {
                "id": marker.id or 0,
                "type": marker.type or "",
                "start_time_offset": marker.start or 0,
                "end_time_offset": marker.end or 0,
                "first": first,
                "final": final,
            }
        )
    return result


# --- media ---------------------------------------------------------------------------------------


def full_resolution(resolution: str, scan_type: str) -> str:
    """Tautulli's ``video_full_resolution``: "1080" + "progressive" → "1080p", "sd" → "SD",
    "4k" stays "4k" (``resolution`` as PMS's ``videoResolution``, lower case, no scan letter)."""
    return VIDEO_RESOLUTION_OVERRIDES.get(resolution, resolution + (scan_type[:1] or "p"))


def dynamic_range_names(title: str, dolby_vision: bool) -> str:
    """The HDR formats a video stream's ``extendedDisplayTitle`` names (``Dolby Vision``, ``HLG``,
    ``HDR10``/``HDR``, joined with "/"), as Tautulli's ``get_dynamic_range`` once it knows the
    stream is HDR or Dolby Vision; an older PMS naming none: "Dolby Vision" or "HDR"."""
    ranges = []
    if "Dolby Vision" in title or "DoVi" in title:
        ranges.append("Dolby Vision")
    if "HLG" in title:
        ranges.append("HLG")
    if "HDR10" in title:
        ranges.append("HDR10")
    elif "HDR" in title:
        ranges.append("HDR")
    if not ranges:
        ranges.append("Dolby Vision" if dolby_vision else "HDR")
    return "/".join(ranges)
