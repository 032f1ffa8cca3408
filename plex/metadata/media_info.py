"""An item's versions as Tautulli's ``media_info``: each ``<Media>`` with its parts and their
video, audio and subtitle streams (values as text, flags 0/1)."""

from __future__ import annotations

from plex.pms_fields import (
    AUDIO_CHANNELS,
    AUDIO_STREAM_FIELDS,
    MEDIA_FIELDS,
    SUBTITLE_STREAM_FIELDS,
    VIDEO_STREAM_FIELDS,
    dynamic_range_names,
    full_resolution,
    read_fields,
)
from plex.pms_fields import raw as _raw
from plex.pms_fields import to_int as _int
from plex.pms_fields import to_text as _text

from .values import attr as _attr


def dynamic_range(stream) -> str:
    """``SDR``, or the HDR formats PMS names in the stream's title (``HDR10``, ``Dolby
    Vision/HDR10``, ``HLG``...), as Tautulli's ``get_dynamic_range`` (PMS >= 1.25.6)."""
    bit_depth = stream.bitDepth or 0
    hdr = bit_depth > 8 and stream.colorTrc in ("smpte2084", "arib-std-b67")
    dolby_vision = bool(stream.DOVIProfile)
    if not (hdr or dolby_vision):
        return "SDR"
    return dynamic_range_names(stream.extendedDisplayTitle or "", dolby_vision)


def _stream_info(stream) -> dict | None:
    """One stream of a part as Tautulli lists it (video 1, audio 2, subtitle 3; others None)."""
    kind = stream.streamType
    if kind == 1:
        fields, values = (
            VIDEO_STREAM_FIELDS,
            {
                "video_dynamic_range": dynamic_range(stream),
                "video_dovi_bl_present": int(bool(stream.DOVIBLPresent)),
                "video_dovi_el_present": int(bool(stream.DOVIELPresent)),
                "video_dovi_level": stream.DOVILevel or 0,
                "video_dovi_present": int(bool(stream.DOVIPresent)),
                "video_dovi_profile": stream.DOVIProfile or 0,
                "video_dovi_rpu_present": int(bool(stream.DOVIRPUPresent)),
                "video_dovi_version": _int(stream.DOVIVersion),
                "video_frame_rate": f"{stream.frameRate:.3f}" if stream.frameRate else "",
            },
        )
    elif kind == 2:
        fields, values = AUDIO_STREAM_FIELDS, {}
    elif kind == 3:
        fields, values = (
            SUBTITLE_STREAM_FIELDS,
            {
                "subtitle_forced": int(bool(stream.forced)),
                "subtitle_location": "external" if stream.key else "embedded",
            },
        )
    else:
        return None
    info = read_fields(stream, _attr, fields, values)
    info["selected"] = int(bool(stream.selected))
    return info


def media_info_of(item) -> list[dict]:
    """The item's versions (``<Media>``) with their parts and streams, as Tautulli's
    ``media_info`` (``video_full_resolution`` = resolution + the first video stream's scan type)."""
    result = []
    for media in getattr(item, "media", None) or []:
        parts = []
        scan_type = ""
        for part in media.parts:
            streams = []
            for stream in part.streams:
                info = _stream_info(stream)
                if info is None:
                    continue
                if stream.streamType == 1:
                    scan_type = scan_type or info["video_scan_type"]
                streams.append(info)
            parts.append(
                {
                    "id": _text(part.id),
                    "file": _text(part.file),
                    "file_size": _text(part.size),
                    "indexes": int(part.indexes == "sd"),
                    "streams": streams,
                    "selected": int(bool(part.selected)),
                }
            )
        resolution = (media.videoResolution or "").lower().rstrip("ip")
        channels = _text(media.audioChannels)
        values = {
            "video_resolution": resolution,
            "video_full_resolution": full_resolution(resolution, scan_type) if resolution else "",
            "audio_channel_layout": AUDIO_CHANNELS.get(channels, channels),
            "optimized_version": int(media.proxyType == 42),
            "begins_at": _int(_raw(media, "beginsAt")),
            "ends_at": _int(_raw(media, "endsAt")),
        }
        # The live TV channel* attributes plexapi does not model are read from the XML (_attr).
        result.append({**read_fields(media, _attr, MEDIA_FIELDS, values), "parts": parts})
    return result
