"""One PMS session as Tautulli's session dict (``pmsconnect.get_session_each``): see the package
documentation (:mod:`plex.activity.session_info`) for its keys, types and sources."""

from __future__ import annotations

from plex.pms_fields import AUDIO_CHANNELS, full_resolution
from plex.pms_fields import raw as _attr
from plex.pms_fields import to_int as _int

from .cache import MetadataCache
from .library import metadata_values, source_values
from .lookups import load_lookups
from .playback import (
    player_values,
    quality_profiles,
    stream_audio_values,
    stream_subtitle_values,
    stream_video_values,
    transcode_values,
    user_values,
)
from .readers import chosen_streams, percent_of, resolution_of, selected, tautulli_decision

# PMS's hardware decoders and encoders (Tautulli v2.17.2): transcode_hw_decoding/_encoding.
HW_DECODERS = frozenset({"d3d11va", "dxva2", "videotoolbox", "mediacodecndk", "vaapi", "nvdec"})
HW_ENCODERS = frozenset({"qsv", "mf", "videotoolbox", "mediacodecndk", "vaapi", "nvenc"})


def session_info(
    item,
    server,
    *,
    library_names: dict[str, str] | None = None,
    users: dict | None = None,
    metadata: MetadataCache | None = None,
) -> dict:
    """One live session as Tautulli's get_activity session dict (see the package doc).

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
    stream_media = selected(list(getattr(item, "media", None) or []))
    stream_part = selected(list(getattr(stream_media, "parts", None) or []))
    chosen = chosen_streams(stream_part)

    player_details = player_values(player)
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

    transcode_details = transcode_values(transcode)
    transcode_details["transcode_hw_decoding"] = int(
        transcode_details["transcode_hw_decode"].lower() in HW_DECODERS
    )
    transcode_details["transcode_hw_encoding"] = int(
        transcode_details["transcode_hw_encode"].lower() in HW_ENCODERS
    )

    video_details = stream_video_values(chosen.get(1))
    audio_details = stream_audio_values(chosen.get(2))
    subtitle = chosen.get(3)
    subtitle_details = stream_subtitle_values(subtitle, transcode_details["subtitle_decision"])

    indexes = _attr(stream_part, "indexes")
    live = int(_attr(item, "live") == "1")
    if _int(video_details["stream_video_width"]) >= 3840:
        stream_resolution = "4k"
    else:
        stream_resolution = resolution_of(stream_media)
    stream_details = {
        "stream_container": _attr(stream_media, "container"),
        "stream_bitrate": _attr(stream_media, "bitrate"),
        "stream_aspect_ratio": _attr(stream_media, "aspectRatio"),
        "stream_video_framerate": _attr(stream_media, "videoFrameRate"),
        "stream_video_resolution": stream_resolution,
        "stream_duration": _attr(stream_media, "duration") or _attr(item, "duration"),
        "stream_container_decision": tautulli_decision(_attr(stream_part, "decision")),
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

    metadata_details = metadata_values(item, meta, parent, library_names)
    extra_type = metadata_details.pop("extra_type")
    if media_type == "clip" and extra_type and metadata_details["art"]:
        metadata_details["thumb"] = metadata_details["art"].replace("/art", "/thumb")
    source_details = source_values(meta, stream_media, stream_part, chosen)

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
    quality_profile, optimized_profile = quality_profiles(
        media_type,
        video_details["stream_video_decision"],
        stream_details["stream_bitrate"],
        source_details,
    )
    user_details = user_values(item, users)

    info = {
        "session_key": session_key,
        "media_type": media_type,
        "view_offset": view_offset,
        "progress_percent": str(percent_of(view_offset, stream_details["stream_duration"])),
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
