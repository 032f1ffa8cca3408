"""Live sessions as Tautulli's ``get_activity`` shows them (reference 1.3 "get_activity", 3.1).

* :func:`session_info` — one session of ``PlexServer.sessions()`` as Tautulli's session dict
  (its ``pmsconnect.get_session_each``): about 250 keys, every key of the v2.17.2 capture
  (``shared/fixtures/tautulli-dart/activity/get_activity__by_session_key.json``) with the same
  JSON type: PMS's attribute text for most values, ints for flags and counters, lists for people,
  genres, guids and markers.
* :func:`session_columns` — the part of such a dict that fits a :class:`servers.models.Session` row,
  plus ``raw_stream_info`` (the whole dict as JSON), as the monitor stores it.
* :func:`activity_data` — Tautulli's ``get_activity`` ``data`` for a server: counters, bandwidths
  and every session; or one session by ``session_key``/``session_id``.

Where the values come from (as Tautulli takes them):

* ``/status/sessions`` (the plexapi session item): the player, user, ``<Session>``,
  ``<TranscodeSession>`` and the *stream* (``stream_*``): the media, part and streams PMS is
  sending, chosen by ``selected``.
* ``/library/metadata/<ratingKey>`` (:meth:`MetadataCache.source`): titles, people, markers and
  the *source* (``container``, ``bitrate``, ``video_*``, ``audio_*``, ``subtitle_*``, ``file``): the
  library media matching the streamed media's id (else the first). For an episode the show's
  studio, people, genres, labels and collections, for a track the album's year, genres, labels
  and collections (one more request each, as Tautulli does). When PMS cannot give the metadata
  (live TV, a deleted item, an error) the session item stands in for it.
* The database: ``users.User`` for the account fields, ``libraries.Library`` for the library
  name when PMS does not say it. Callers showing many sessions pass both preloaded
  (``users``/``library_names``, see :func:`load_lookups`) so the queries do not grow with them.

Values are PMS's attribute text, verbatim (read from the element each plexapi object was built
from): Tautulli's fields are those strings, and plexapi's typed attributes would not give them
back (``titleSort`` defaults to the title, ``frameRate="24.000"`` becomes ``24.0``, dates become
local datetimes, ``relayed``/``secure`` lose "not said", and the live-TV ``channel*`` attributes
of ``<Media>`` are not parsed at all). Navigation (media → parts → streams, player, session,
transcode session, tags, markers) goes through plexapi's objects.

Deliberate differences from Tautulli v2.17.2 (reference 9):

* A user the database does not know keeps the id and name PMS gives (Tautulli answered its
  "Local" user, id 0, which also lost the play's owner in history); ``do_notify`` and
  ``keep_history`` are 1 for such a user until the users list is refreshed.
* Every session dict has every key, whatever the media type (Tautulli left some out, e.g.
  ``stream_video_full_resolution`` for tracks), and flags are always 0/1 ints (``secure`` was
  null when PMS did not say it).
* Sessions are sorted by session key as numbers (Tautulli sorted the strings: "10" < "2").
* ``stream_count`` counts the sessions listed (PMS's count included background theme music,
  which is not listed).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable

from django.db import models
from django.db.models import Q

from history.platforms import platform_display, platform_icon_name
from libraries.models import Library
from plex.activity.store import STATE_MACHINE_COLUMNS
from plex.client import DEFAULT_TIMEOUT, PLEX_ERRORS, PlexUnavailable, connect, describe_error
from plex.pms_fields import (
    AUDIO_CHANNELS,
    AUDIO_STREAM_FIELDS,
    GROUPING_TAGS,
    LIVE_TV_SECTION_ID,
    LIVE_TV_SECTION_NAME,
    MEDIA_FIELDS,
    SUBTITLE_STREAM_FIELDS,
    VIDEO_STREAM_FIELDS,
    dynamic_range_names,
    fields_without,
    full_resolution,
    guids,
    markers_of,
    read_fields,
    tag_fields,
)
from plex.pms_fields import flag as _flag
from plex.pms_fields import raw as _attr
from plex.pms_fields import to_float as _float
from plex.pms_fields import to_int as _int
from servers.models import Session
from users.models import DEFAULT_USER_THUMB, User

logger = logging.getLogger(__name__)

# Tautulli's common tables (v2.17.2).
VIDEO_QUALITY_PROFILES = {  # kbps → name
    20000: "20 Mbps 1080p",
    12000: "12 Mbps 1080p",
    10000: "10 Mbps 1080p",
    8000: "8 Mbps 1080p",
    4000: "4 Mbps 720p",
    3000: "3 Mbps 720p",
    2000: "2 Mbps 720p",
    1500: "1.5 Mbps 480p",
    720: "0.7 Mbps 328p",
    320: "0.3 Mbps 240p",
    208: "0.2 Mbps 160p",
    96: "0.096 Mbps",
    64: "0.064 Mbps",
}
AUDIO_QUALITY_PROFILES = {
    512: "512 kbps",
    320: "320 kbps",
    256: "256 kbps",
    192: "192 kbps",
    128: "128 kbps",
    96: "96 kbps",
}
HW_DECODERS = frozenset({"d3d11va", "dxva2", "videotoolbox", "mediacodecndk", "vaapi", "nvdec"})
HW_ENCODERS = frozenset({"qsv", "mf", "videotoolbox", "mediacodecndk", "vaapi", "nvenc"})

# Session columns the monitor keeps itself (the state machine's, less the player state PMS gives),
# plus the columns it fills from other sources than this dict: not taken from PMS.
BOOKKEEPING_COLUMNS = (STATE_MACHINE_COLUMNS - {"id", "server_id", "state"}) | {
    "rating_key_websocket",
    "raw_stream_info",
}

# get_activity's counters, all ints (the v2.17.2 capture), present even without sessions.
COUNTERS = (
    "stream_count_direct_play",
    "stream_count_direct_stream",
    "stream_count_transcode",
    "total_bandwidth",
    "lan_bandwidth",
    "wan_bandwidth",
)


# --- reading plexapi objects ----------------------------------------------------------------


def _selected(items: list):
    """The item PMS marks ``selected`` (else the first; None for an empty list)."""
    return next((i for i in items if _attr(i, "selected") == "1"), items[0] if items else None)


def _by_id(items: list, wanted_id):
    """The item whose id is ``wanted_id``, else the first (Tautulli's source matching)."""
    return next((i for i in items if i.id == wanted_id), items[0] if items else None)


def _chosen_streams(part) -> dict[int, object]:
    """The video (1), audio (2) and subtitle (3) stream a part plays: the first of each type,
    replaced by a later one PMS marks ``selected``."""
    chosen: dict[int, object] = {}
    for stream in getattr(part, "streams", None) or []:
        kind = _int(_attr(stream, "streamType"))
        if kind in (1, 2, 3) and (kind not in chosen or _attr(stream, "selected") == "1"):
            chosen[kind] = stream
    return chosen


def _decision(value: str) -> str:
    """PMS's decision word as Tautulli shows it ("directplay" → "direct play")."""
    return value.replace("directplay", "direct play")


def _resolution(media) -> str:
    """``videoResolution`` lower case without the scan letter: "1080p" → "1080", "SD" → "sd"."""
    return _attr(media, "videoResolution").lower().rstrip("ip")


def _dynamic_range(stream) -> str:
    """SDR, or HDR10/HLG/HDR/Dolby Vision (joined with "/") as PMS's display title names them
    (Tautulli's ``get_dynamic_range``): HDR needs more than 8 bits in BT.2020."""
    if stream is None:
        return ""
    hdr = _int(_attr(stream, "bitDepth")) > 8 and _attr(stream, "colorSpace") in (
        "bt2020nc",
        "bt2020",
    )
    dovi = bool(_attr(stream, "DOVIProfile"))
    if not hdr and not dovi:
        return "SDR"
    return dynamic_range_names(_attr(stream, "extendedDisplayTitle"), dovi)


def _dynamic_range_details(stream, prefix: str) -> dict:
    """A video stream's dynamic range and Dolby Vision keys (``<prefix>dynamic_range``,
    ``<prefix>dovi_*``): 0/1 flags, int level and profile, float version (0 when not said)."""
    version = _attr(stream, "DOVIVersion")
    return {
        f"{prefix}dynamic_range": _dynamic_range(stream),
        f"{prefix}dovi_bl_present": _flag(stream, "DOVIBLPresent"),
        f"{prefix}dovi_el_present": _flag(stream, "DOVIELPresent"),
        f"{prefix}dovi_level": _int(_attr(stream, "DOVILevel")),
        f"{prefix}dovi_present": _flag(stream, "DOVIPresent"),
        f"{prefix}dovi_profile": _int(_attr(stream, "DOVIProfile")),
        f"{prefix}dovi_rpu_present": _flag(stream, "DOVIRPUPresent"),
        f"{prefix}dovi_version": _float(version) if version else 0,
    }


def _percent(part, whole) -> int:
    """Tautulli's ``get_percent``: ``part / whole × 100`` rounded, 0 when either is 0."""
    part, whole = _float(part), _float(whole)
    return math.trunc(round(part / whole * 100)) if part and whole else 0


# --- library metadata -----------------------------------------------------------------------


class MetadataCache:
    """Library items fetched from PMS for live sessions, each once per cache.

    :meth:`source` is ``/library/metadata/<ratingKey>`` of a session's item, :meth:`parent` the
    show of an episode or the album of a track. Use one cache for one answer (a get_activity
    call, a monitor refresh) so that sessions of the same item cost one request. Failures (PMS
    down, a 404 for live TV or a deleted item) are remembered as None: the caller falls back on
    the session item.
    """

    def __init__(self):
        self._items: dict[str, object | None] = {}

    def source(self, item):
        """The library item a session plays, or None."""
        rating_key = _attr(item, "ratingKey")
        if not rating_key.isdigit():
            return None
        return self._fetch(f"source:{rating_key}", item.source)

    def parent(self, source):
        """The show of an episode, the album of a track (from their library item), or None."""
        kind = _attr(source, "type")
        key = {"episode": "grandparentKey", "track": "parentKey"}.get(kind)
        path = _attr(source, key) if key else ""
        if not path:
            return None

        def fetch():
            parent = source.fetchItem(path)
            parent._autoReload = False  # read what PMS sent; never reload per missing attribute
            return parent

        return self._fetch(path, fetch)

    def _fetch(self, key: str, fetch):
        if key not in self._items:
            try:
                self._items[key] = fetch()
            except PLEX_ERRORS as exc:
                logger.debug("No library metadata for %s: %s", key, type(exc).__name__)
                self._items[key] = None
        return self._items[key]


# The session dict's metadata keys: get_metadata's (media_type is the session's), plus
# extra_type (session_info drops it after using it for clip thumbs).
_SESSION_METADATA_FIELDS = (*fields_without("media_type"), ("extra_type", "extraType"))


def _metadata(item, meta, parent, library_names: dict[str, str]) -> dict:
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
    resolution = _resolution(media)
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
    return read_fields(stream, _attr, VIDEO_STREAM_FIELDS, _dynamic_range_details(stream, "video_"))


def _source_audio(stream) -> dict:
    channels = _attr(stream, "channels")
    layout = _attr(stream, "audioChannelLayout") or AUDIO_CHANNELS.get(channels, channels)
    return read_fields(stream, _attr, AUDIO_STREAM_FIELDS, {"audio_channel_layout": layout})


def _source_subtitle(stream) -> dict:
    location = ("external" if _attr(stream, "key") else "embedded") if stream is not None else ""
    values = {"subtitle_forced": _flag(stream, "forced"), "subtitle_location": location}
    return read_fields(stream, _attr, SUBTITLE_STREAM_FIELDS, values)


def _source_details(meta, stream_media, stream_part, chosen: dict) -> dict:
    """Source media, part and streams: the library's media matching the streamed ids (else the
    first), then its stream of each type played (by id, else the first of that type)."""
    medias = list(getattr(meta, "media", None) or [])
    media = _by_id(medias, getattr(stream_media, "id", None))
    parts = list(getattr(media, "parts", None) or [])
    part = _by_id(parts, getattr(stream_part, "id", None))
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


# --- the parts read from /status/sessions ---------------------------------------------------


def _user_details(item, users: dict) -> dict:
    """The account playing: the :class:`users.models.User` row when known, else what PMS says."""
    user_id = getattr(item, "_userId", None)
    user = users.get(user_id)
    if user is None:
        name = getattr(item, "_username", None) or "Local"
        return {
            "row_id": 0,
            "user_id": user_id or 0,
            "username": name,
            "friendly_name": name,
            "user_thumb": DEFAULT_USER_THUMB,
            "email": "",
            "is_active": 1,
            "is_admin": int(user_id == 1),
            "is_home_user": 0,
            "is_allow_sync": 0,
            "is_restricted": 0,
            "do_notify": 1,
            "keep_history": 1,
            "deleted_user": 0,
            "allow_guest": 0,
            "shared_libraries": [],
            "last_seen": None,
        }
    return {
        "row_id": user.pk,
        "user_id": user.user_id,
        "username": user.username,
        "friendly_name": user.display_name,
        "user_thumb": user.user_thumb,
        "email": user.email or "",
        "is_active": int(bool(user.is_active)),
        "is_admin": int(bool(user.is_admin)),
        "is_home_user": int(bool(user.is_home_user)),
        "is_allow_sync": int(bool(user.is_allow_sync)),
        "is_restricted": int(bool(user.is_restricted)),
        "do_notify": int(bool(user.do_notify)),
        "keep_history": int(bool(user.keep_history)),
        "deleted_user": int(bool(user.deleted_user)),
        "allow_guest": int(bool(user.allow_guest)),
        "shared_libraries": user.shared_library_ids,
        "last_seen": None,
    }


def _player_details(player) -> dict:
    """The player, with Tautulli's platform names ("Konvergo" → "Plex Media Player")."""
    platform = platform_display(_attr(player, "platform")) or ""
    if not platform and _attr(player, "product") == "DLNA":
        platform = "DLNA"
    return {
        "ip_address": _attr(player, "address").split("::ffff:")[-1],
        "ip_address_public": _attr(player, "remotePublicAddress").split("::ffff:")[-1],
        "device": _attr(player, "device"),
        "platform": platform,
        "platform_name": platform_icon_name(platform),
        "platform_version": _attr(player, "platformVersion"),
        "product": _attr(player, "product"),
        "product_version": _attr(player, "version"),
        "profile": _attr(player, "profile"),
        "player": _attr(player, "title") or _attr(player, "product"),
        "machine_id": _attr(player, "machineIdentifier"),
        "state": _attr(player, "state"),
        "local": _flag(player, "local"),
        "relayed": _flag(player, "relayed"),
        "secure": _flag(player, "secure"),
    }


def _transcode_details(transcode) -> dict:
    """``<TranscodeSession>`` (progress rounded to an int, speed to one decimal as text), or
    Tautulli's blanks and "direct play" decisions without one."""
    if transcode is None:
        return {
            "transcode_key": "",
            "transcode_throttled": 0,
            "transcode_progress": 0,
            "transcode_speed": "",
            "transcode_audio_channels": "",
            "transcode_audio_codec": "",
            "transcode_video_codec": "",
            "transcode_width": "",
            "transcode_height": "",
            "transcode_container": "",
            "transcode_protocol": "",
            "transcode_min_offset_available": 0,
            "transcode_max_offset_available": 0,
            "transcode_hw_requested": 0,
            "transcode_hw_decode": "",
            "transcode_hw_decode_title": "",
            "transcode_hw_encode": "",
            "transcode_hw_encode_title": "",
            "transcode_hw_full_pipeline": 0,
            "audio_decision": "direct play",
            "video_decision": "direct play",
            "subtitle_decision": "",
            "throttled": "0",
        }
    return {
        "transcode_key": _attr(transcode, "key"),
        "transcode_throttled": _flag(transcode, "throttled"),
        "transcode_progress": round(_float(_attr(transcode, "progress"))),
        "transcode_speed": str(round(_float(_attr(transcode, "speed")), 1)),
        "transcode_audio_channels": _attr(transcode, "audioChannels"),
        "transcode_audio_codec": _attr(transcode, "audioCodec"),
        "transcode_video_codec": _attr(transcode, "videoCodec"),
        "transcode_width": _attr(transcode, "width"),
        "transcode_height": _attr(transcode, "height"),
        "transcode_container": _attr(transcode, "container"),
        "transcode_protocol": _attr(transcode, "protocol"),
        "transcode_min_offset_available": round(_float(_attr(transcode, "minOffsetAvailable"))),
        "transcode_max_offset_available": round(_float(_attr(transcode, "maxOffsetAvailable"))),
        "transcode_hw_requested": _flag(transcode, "transcodeHwRequested"),
        "transcode_hw_decode": _attr(transcode, "transcodeHwDecoding"),
        "transcode_hw_decode_title": _attr(transcode, "transcodeHwDecodingTitle"),
        "transcode_hw_encode": _attr(transcode, "transcodeHwEncoding"),
        "transcode_hw_encode_title": _attr(transcode, "transcodeHwEncodingTitle"),
        "transcode_hw_full_pipeline": _flag(transcode, "transcodeHwFullPipeline"),
        "audio_decision": _attr(transcode, "audioDecision"),
        "video_decision": _attr(transcode, "videoDecision"),
        "subtitle_decision": _attr(transcode, "subtitleDecision"),
        "throttled": "1" if _attr(transcode, "throttled") == "1" else "0",
    }


def _stream_video(stream) -> dict:
    keys = (
        ("stream_video_bitrate", "bitrate"),
        ("stream_video_bit_depth", "bitDepth"),
        ("stream_video_chroma_subsampling", "chromaSubsampling"),
        ("stream_video_codec", "codec"),
        ("stream_video_codec_level", "level"),
        ("stream_video_color_primaries", "colorPrimaries"),
        ("stream_video_color_range", "colorRange"),
        ("stream_video_color_space", "colorSpace"),
        ("stream_video_color_trc", "colorTrc"),
    )
    details = {key: _attr(stream, name) for key, name in keys}
    details.update(
        {
            **_dynamic_range_details(stream, "stream_video_"),
            "stream_video_height": _attr(stream, "height"),
            "stream_video_width": _attr(stream, "width"),
            "stream_video_ref_frames": _attr(stream, "refFrames"),
            "stream_video_language": _attr(stream, "language"),
            "stream_video_language_code": _attr(stream, "languageCode"),
            "stream_video_scan_type": _attr(stream, "scanType"),
            "stream_video_decision": (
                (_decision(_attr(stream, "decision")) or "direct play") if stream else ""
            ),
        }
    )
    return details


def _stream_audio(stream) -> dict:
    channels = _attr(stream, "channels")
    layout = _attr(stream, "audioChannelLayout")
    return {
        "stream_audio_bitrate": _attr(stream, "bitrate"),
        "stream_audio_bitrate_mode": _attr(stream, "bitrateMode"),
        "stream_audio_channels": channels,
        "stream_audio_channel_layout": layout or AUDIO_CHANNELS.get(channels, channels),
        "stream_audio_codec": _attr(stream, "codec"),
        "stream_audio_sample_rate": _attr(stream, "samplingRate"),
        "stream_audio_channel_layout_": layout,
        "stream_audio_language": _attr(stream, "language"),
        "stream_audio_language_code": _attr(stream, "languageCode"),
        "stream_audio_profile": _attr(stream, "profile"),
        "stream_audio_decision": (
            (_decision(_attr(stream, "decision")) or "direct play") if stream else ""
        ),
    }


def _stream_subtitle(stream, transcode_subtitle_decision: str) -> dict:
    return {
        "stream_subtitle_codec": _attr(stream, "codec"),
        "stream_subtitle_container": _attr(stream, "container"),
        "stream_subtitle_format": _attr(stream, "format"),
        "stream_subtitle_forced": _flag(stream, "forced"),
        "stream_subtitle_location": _attr(stream, "location"),
        "stream_subtitle_language": _attr(stream, "language"),
        "stream_subtitle_language_code": _attr(stream, "languageCode"),
        "stream_subtitle_decision": (
            (_decision(_attr(stream, "decision")) or transcode_subtitle_decision) if stream else ""
        ),
        "stream_subtitle_transient": _flag(stream, "transient"),
    }


def _quality_profiles(media_type, video_decision, stream_bitrate, source: dict) -> tuple:
    """(quality_profile, optimized_version_profile): the smallest of Tautulli's quality profiles
    between the stream's and the source's bitrate when transcoding, else "Original"."""
    stream_kbps, source_kbps = _int(stream_bitrate), _int(source.get("bitrate"))

    def profile(table):
        fitting = [kbps for kbps in table if stream_kbps <= kbps <= source_kbps]
        return table[min(fitting)] if fitting else "Original"

    if media_type in ("movie", "episode", "clip"):
        quality = profile(VIDEO_QUALITY_PROFILES) if video_decision == "transcode" else "Original"
        optimized = (
            f"{round(source_kbps / 1000.0, 1)} Mbps {source.get('video_full_resolution', '')}"
            if source.get("optimized_version")
            else ""
        )
        return quality, optimized
    if media_type == "track":
        return profile(AUDIO_QUALITY_PROFILES), ""
    if media_type == "photo":
        return "Original", ""
    return "Unknown", ""


# --- the session dict -----------------------------------------------------------------------


def session_info(
    item,
    server,
    *,
    library_names: dict[str, str] | None = None,
    users: dict | None = None,
    metadata: MetadataCache | None = None,
) -> dict:
    """One live session as Tautulli's get_activity session dict (see the module doc).

    ``item``: an element of ``PlexServer.sessions()`` (plexapi ``MovieSession``,
    ``EpisodeSession``, ``TrackSession``, ``ClipSession``, ``PhotoSession``). ``server``: its
    :class:`servers.models.Server`. ``library_names`` maps section ids (text) to names and ``users``
    maps the user ids PMS reports to :class:`users.models.User` rows (:func:`load_lookups`);
    without them this reads both from the database (2 queries). ``metadata`` shares fetched
    library items between sessions (a new :class:`MetadataCache` otherwise).

    Units: ``view_offset``, ``duration`` and ``stream_duration`` in ms (text),
    ``bandwidth``/bitrates in kbps (text), ``progress_percent`` 0-100 (text); ``user_id`` and the
    0/1 flags are ints. The token of the server never appears in it.
    """
    if library_names is None or users is None:
        loaded_names, loaded_users = load_lookups(server, [item])
        library_names = loaded_names if library_names is None else library_names
        users = loaded_users if users is None else users
    metadata = metadata or MetadataCache()

    media_type = _attr(item, "type")
    session_key = _attr(item, "sessionKey")
    view_offset = _attr(item, "viewOffset")
    source = metadata.source(item)
    meta = source if source is not None else item
    parent = metadata.parent(source) if source is not None else None

    player = getattr(item, "player", None)
    session = getattr(item, "session", None)
    transcode = getattr(item, "transcodeSession", None)
    stream_media = _selected(list(getattr(item, "media", None) or []))
    stream_part = _selected(list(getattr(stream_media, "parts", None) or []))
    chosen = _chosen_streams(stream_part)

    player_details = _player_details(player)
    if session is not None:
        session_details = {
            "session_id": _attr(session, "id"),
            "bandwidth": _attr(session, "bandwidth"),
            "location": _attr(session, "location"),
        }
    else:
        session_details = {
            "session_id": "",
            "bandwidth": "",
            "location": "lan" if player_details["local"] else "wan",
        }
    if not player_details["relayed"]:  # Tautulli: a WAN stream from 127.0.0.1 is relayed
        player_details["relayed"] = int(
            session_details["location"] != "lan"
            and player_details["ip_address_public"] == "127.0.0.1"
        )

    transcode_details = _transcode_details(transcode)
    transcode_details["transcode_hw_decoding"] = int(
        transcode_details["transcode_hw_decode"].lower() in HW_DECODERS
    )
    transcode_details["transcode_hw_encoding"] = int(
        transcode_details["transcode_hw_encode"].lower() in HW_ENCODERS
    )

    video_details = _stream_video(chosen.get(1))
    audio_details = _stream_audio(chosen.get(2))
    subtitle = chosen.get(3)
    subtitle_details = _stream_subtitle(subtitle, transcode_details["subtitle_decision"])

    indexes = _attr(stream_part, "indexes")
    live = int(_attr(item, "live") == "1")
    if _int(video_details["stream_video_width"]) >= 3840:
        stream_resolution = "4k"
    else:
        stream_resolution = _resolution(stream_media)
    stream_details = {
        "stream_container": _attr(stream_media, "container"),
        "stream_bitrate": _attr(stream_media, "bitrate"),
        "stream_aspect_ratio": _attr(stream_media, "aspectRatio"),
        "stream_video_framerate": _attr(stream_media, "videoFrameRate"),
        "stream_video_resolution": stream_resolution,
        "stream_duration": _attr(stream_media, "duration") or _attr(item, "duration"),
        "stream_container_decision": _decision(_attr(stream_part, "decision")),
        "optimized_version": int(_attr(stream_media, "proxyType") == "42"),
        "optimized_version_title": _attr(stream_media, "title"),
        "synced_version": 0,
        "live": live,
        "live_uuid": _attr(stream_media, "uuid"),
        "indexes": int(indexes == "sd"),
        "bif_thumb": (
            f"/library/parts/{_attr(stream_part, 'id')}/indexes/sd/{view_offset}"
            if indexes == "sd"
            else ""
        ),
        "subtitles": int(subtitle is not None and _attr(subtitle, "selected") == "1"),
    }

    metadata_details = _metadata(item, meta, parent, library_names)
    extra_type = metadata_details.pop("extra_type")
    if media_type == "clip" and extra_type and metadata_details["art"]:
        metadata_details["thumb"] = metadata_details["art"].replace("/art", "/thumb")
    source_details = _source_details(meta, stream_media, stream_part, chosen)

    if live and transcode is not None:  # live TV: the stream is what the transcoder makes
        stream_details["stream_container_decision"] = "transcode"
        stream_details["stream_container"] = transcode_details["transcode_container"]
        video_details["stream_video_decision"] = transcode_details["video_decision"]
        video_details["stream_video_codec"] = transcode_details["transcode_video_codec"]
        audio_details["stream_audio_decision"] = transcode_details["audio_decision"]
        audio_details["stream_audio_codec"] = transcode_details["transcode_audio_codec"]
        channels = transcode_details["transcode_audio_channels"]
        audio_details["stream_audio_channels"] = channels
        audio_details["stream_audio_channel_layout"] = AUDIO_CHANNELS.get(channels, channels)

    decisions = (video_details["stream_video_decision"], audio_details["stream_audio_decision"])
    if "transcode" in decisions:
        transcode_decision = "transcode"
    elif "copy" in decisions:
        transcode_decision = "copy"
    else:
        transcode_decision = "direct play"
    stream_details["transcode_decision"] = transcode_decision
    stream_details["container_decision"] = stream_details["stream_container_decision"]

    # PMS says "*" for "same codec as the source".
    if audio_details["stream_audio_codec"] == "*":
        audio_details["stream_audio_codec"] = source_details["audio_codec"]
    if transcode_details["transcode_audio_codec"] == "*":
        transcode_details["transcode_audio_codec"] = source_details["audio_codec"]
    if video_details["stream_video_codec"] == "*":
        video_details["stream_video_codec"] = source_details["video_codec"]
    if transcode_details["transcode_video_codec"] == "*":
        transcode_details["transcode_video_codec"] = source_details["video_codec"]

    stream_details["stream_video_full_resolution"] = (
        full_resolution(stream_resolution, video_details["stream_video_scan_type"])
        if media_type in ("movie", "episode", "clip") and stream_resolution
        else ""
    )
    quality_profile, optimized_profile = _quality_profiles(
        media_type,
        video_details["stream_video_decision"],
        stream_details["stream_bitrate"],
        source_details,
    )
    user_details = _user_details(item, users)

    info = {
        "session_key": session_key,
        "media_type": media_type,
        "view_offset": view_offset,
        "progress_percent": str(_percent(view_offset, stream_details["stream_duration"])),
        "quality_profile": quality_profile,
        "synced_version_profile": "",
        "optimized_version_profile": optimized_profile,
        "user": user_details["username"],
        "channel_stream": int(not _attr(item, "ratingKey").isdigit()),
    }
    for part in (
        metadata_details,
        source_details,
        user_details,
        player_details,
        session_details,
        transcode_details,
        stream_details,
        video_details,
        audio_details,
        subtitle_details,
    ):
        info.update(part)
    return info


# --- the database side ----------------------------------------------------------------------


def load_lookups(server, items: Iterable) -> tuple[dict[str, str], dict]:
    """(library_names, users) for :func:`session_info`, in two queries whatever the number of
    sessions: section id (text) → library name of ``server``, and each user id PMS reports →
    :class:`users.models.User`.

    PMS reports the server owner as user 1 in sessions: like Tautulli, that id is looked up by
    the name PMS gives (case-insensitive), falling back on the admin account.
    """
    items = list(items)
    library_names = {
        str(section_id): name or ""
        for section_id, name in Library.objects.filter(server=server).values_list(
            "section_id", "section_name"
        )
    }
    ids = {getattr(i, "_userId", None) for i in items} - {None}
    if not ids:
        return library_names, {}
    owner_names = {
        (getattr(i, "_username", None) or "").lower()
        for i in items
        if getattr(i, "_userId", None) == 1
    } - {""}
    query = Q(user_id__in=ids)
    if 1 in ids:
        query |= Q(is_admin=True)
        for name in owner_names:
            query |= Q(username__iexact=name)
    found = list(User.objects.filter(query).order_by("pk"))
    users = {u.user_id: u for u in found if u.user_id in ids}
    if 1 in ids:
        users[1] = (
            next((u for u in found if u.username.lower() in owner_names), None)
            or next((u for u in found if u.is_admin), None)
            or users.get(1)
        )
        if users[1] is None:
            del users[1]
    return library_names, users


def session_columns(info: dict) -> dict:
    """The values of a :class:`servers.models.Session` row for the session dict ``info``.

    Every concrete column except the id and the monitor's bookkeeping
    (:data:`BOOKKEEPING_COLUMNS`), under the same name as in ``info``, coerced to the column's
    type: integer columns get an int or None (for "" and junk), text columns the text ("" kept,
    lists ``;``-joined); plus ``raw_stream_info``, the whole ``info`` as JSON (what the history
    writer reads back for the keys without a column).
    """
    columns = {}
    for field in Session._meta.concrete_fields:
        if field.primary_key or field.name in BOOKKEEPING_COLUMNS:
            continue
        columns[field.name] = _column_value(field, info.get(field.name))
    columns["raw_stream_info"] = json.dumps(info)
    return columns


def _column_value(field: models.Field, value):
    if isinstance(field, models.IntegerField):  # BigIntegerField too
        if value is None or value == "" or isinstance(value, (list, dict)):
            return None
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return None
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value)


# --- get_activity ---------------------------------------------------------------------------


def _is_theme_music(item) -> bool:
    """Background theme music of a library (a ``library://`` track): not a stream to show."""
    return _attr(item, "type") == "track" and _attr(item, "guid").startswith("library://")


def find_session(items: Iterable, *, session_key=None, session_id=None):
    """The session item of ``items`` with ``session_key`` (compared as text, as Tautulli), or
    else with ``session_id`` (its ``<Session id>``); None when none matches or neither is given.
    """
    if session_key not in (None, ""):
        wanted = str(session_key).strip()
        return next((i for i in items if _attr(i, "sessionKey") == wanted), None)
    if session_id not in (None, ""):
        return next((i for i in items if session_id_of(i) == session_id), None)
    return None


def session_id_of(item) -> str:
    """PMS's ``<Session id>`` of a session item ("" when PMS gives none, e.g. DLNA)."""
    return _attr(getattr(item, "session", None), "id")


def _session_sort_key(info: dict):
    key = info["session_key"]
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def activity_data(
    server,
    *,
    session_key: str | int | None = None,
    session_id: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict:
    """Tautulli's get_activity ``data`` for ``server`` (a :class:`servers.models.Server`).

    ``{"stream_count": "N" (text), "sessions": [session dicts by session key],
    "stream_count_direct_play", "stream_count_direct_stream", "stream_count_transcode",
    "total_bandwidth", "lan_bandwidth", "wan_bandwidth"}``: counts split on each session's
    ``transcode_decision`` (transcode / copy / anything else), bandwidths in kbps summed from
    the sessions' ``bandwidth``, LAN for ``location == "lan"`` and WAN for every other location
    (cellular included); all ints, and present (0) without sessions too, as in the v2.17.2
    capture (reference 1.3 says otherwise; the capture wins).

    With ``session_key`` (or else ``session_id``): that session's dict alone, ``{}`` when it is
    not playing. PMS unreachable, or answering junk: ``{}`` (Tautulli answers success with it).
    Two database queries whatever the number of sessions.
    """
    try:
        plex = connect(server, timeout=timeout)
        items = [item for item in plex.sessions() if not _is_theme_music(item)]
    except PlexUnavailable as exc:
        logger.warning("get_activity: %s", exc)
        return {}
    except PLEX_ERRORS as exc:
        logger.warning("get_activity: %s", describe_error(exc, server.url, timeout))
        return {}

    single = session_key not in (None, "") or session_id not in (None, "")
    if single:
        found = find_session(items, session_key=session_key, session_id=session_id)
        if found is None:
            return {}
        items = [found]

    library_names, users = load_lookups(server, items)
    cache = MetadataCache()
    sessions = sorted(
        (
            session_info(item, server, library_names=library_names, users=users, metadata=cache)
            for item in items
        ),
        key=_session_sort_key,
    )
    if single:
        return sessions[0]

    counts = dict.fromkeys(COUNTERS, 0)
    for info in sessions:
        decision = info["transcode_decision"]
        if decision == "transcode":
            counts["stream_count_transcode"] += 1
        elif decision == "copy":
            counts["stream_count_direct_stream"] += 1
        else:
            counts["stream_count_direct_play"] += 1
        bandwidth = _int(info["bandwidth"])
        counts["total_bandwidth"] += bandwidth
        counts["lan_bandwidth" if info["location"] == "lan" else "wan_bandwidth"] += bandwidth
    return {"stream_count": str(len(sessions)), "sessions": sessions, **counts}
