"""The parts of a session read from ``/status/sessions``: the account, the player, PMS's
transcoder and the streams PMS sends (``stream_*``), and Tautulli's quality profile names."""

from __future__ import annotations

from history.platforms import platform_display, platform_icon_name
from plex.pms_fields import AUDIO_CHANNELS
from plex.pms_fields import flag as _flag
from plex.pms_fields import raw as _attr
from plex.pms_fields import to_float as _float
from plex.pms_fields import to_int as _int
from users.models import DEFAULT_USER_THUMB

from .readers import dynamic_range_details, tautulli_decision

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


def user_values(item, users: dict) -> dict:
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


def player_values(player) -> dict:
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


def transcode_values(transcode) -> dict:
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


def stream_video_values(stream) -> dict:
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
            **dynamic_range_details(stream, "stream_video_"),
            "stream_video_height": _attr(stream, "height"),
            "stream_video_width": _attr(stream, "width"),
            "stream_video_ref_frames": _attr(stream, "refFrames"),
            "stream_video_language": _attr(stream, "language"),
            "stream_video_language_code": _attr(stream, "languageCode"),
            "stream_video_scan_type": _attr(stream, "scanType"),
            "stream_video_decision": (
                (tautulli_decision(_attr(stream, "decision")) or "direct play") if stream else ""
            ),
        }
    )
    return details


def stream_audio_values(stream) -> dict:
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
            (tautulli_decision(_attr(stream, "decision")) or "direct play") if stream else ""
        ),
    }


def stream_subtitle_values(stream, transcode_subtitle_decision: str) -> dict:
    return {
        "stream_subtitle_codec": _attr(stream, "codec"),
        "stream_subtitle_container": _attr(stream, "container"),
        "stream_subtitle_format": _attr(stream, "format"),
        "stream_subtitle_forced": _flag(stream, "forced"),
        "stream_subtitle_location": _attr(stream, "location"),
        "stream_subtitle_language": _attr(stream, "language"),
        "stream_subtitle_language_code": _attr(stream, "languageCode"),
        "stream_subtitle_decision": (
            (tautulli_decision(_attr(stream, "decision")) or transcode_subtitle_decision)
            if stream
            else ""
        ),
        "stream_subtitle_transient": _flag(stream, "transient"),
    }


def quality_profiles(media_type, video_decision, stream_bitrate, source: dict) -> tuple:
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
