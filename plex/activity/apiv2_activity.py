"""/api/v2 commands about live activity (reference 1.2 "Activity", ``get_stream_data``).

``get_activity`` and ``terminate_session`` ask the Plex server (through plexapi);
``get_stream_data`` reads a history row or the live session. Each takes the optional ``server``
parameter (id, name or machine identifier; default: the first server).

Deliberate differences from Tautulli v2.17.2 (reference 9):

* ``get_stream_data`` without ``row_id`` and ``session_key`` (or with a malformed one) answers
  an error naming the parameters (Tautulli: an error with a null message).
* ``terminate_session`` finds the session in what PMS plays now (Tautulli looked in its
  ``sessions`` table, which may lag), and says why PMS could not be reached.
"""

from __future__ import annotations

from core.tautulli_api import ApiError, api_command
from history.models import History
from servers.apiv2 import server_from_params
from servers.models import Server, Session

from .session_info import activity_data, session_columns
from .terminate import terminate_stream

# get_stream_data's keys, in Tautulli's order (capture get_stream_data__row_id.json).
STREAM_DATA_KEYS = (
    "bitrate",
    "video_full_resolution",
    "optimized_version",
    "optimized_version_profile",
    "optimized_version_title",
    "synced_version",
    "synced_version_profile",
    "container",
    "video_codec",
    "video_bitrate",
    "video_width",
    "video_height",
    "video_framerate",
    "video_dynamic_range",
    "aspect_ratio",
    "audio_codec",
    "audio_bitrate",
    "audio_channels",
    "audio_language",
    "audio_language_code",
    "subtitle_codec",
    "subtitle_forced",
    "subtitle_language",
    "stream_bitrate",
    "stream_video_full_resolution",
    "quality_profile",
    "stream_container_decision",
    "stream_container",
    "stream_video_decision",
    "stream_video_codec",
    "stream_video_bitrate",
    "stream_video_width",
    "stream_video_height",
    "stream_video_framerate",
    "stream_video_dynamic_range",
    "stream_audio_decision",
    "stream_audio_codec",
    "stream_audio_bitrate",
    "stream_audio_channels",
    "stream_audio_language",
    "stream_audio_language_code",
    "subtitles",
    "stream_subtitle_decision",
    "stream_subtitle_codec",
    "stream_subtitle_forced",
    "stream_subtitle_language",
    "transcode_hw_decoding",
    "transcode_hw_encoding",
    "video_decision",
    "audio_decision",
    "media_type",
    "title",
    "grandparent_title",
    "original_title",
)
# Further columns read to fill rows written before Tautulli kept stream details.
_LEGACY_KEYS = (
    "width",
    "height",
    "transcode_container",
    "transcode_video_codec",
    "transcode_audio_codec",
    "transcode_audio_channels",
    "transcode_width",
    "transcode_height",
)


@api_command()
def get_activity(request, params):
    """Get the current activity on the PMS.

    ```
    Required parameters:
        None

    Optional parameters:
        session_key (int):    Session key for the session info to return, OR
        session_id (str):     Session ID for the session info to return
        server (str):         server id, name or machine identifier (default: the first)

    Returns:
        json:
            {"lan_bandwidth": 25318,
             "sessions": [
                 {"actors": ["Kit Harington", "Emilia Clarke", ...],
                  "added_at": "1461572396",
                  "allow_guest": 1,
                  "art": "/library/metadata/1219/art/1503306930",
                  "aspect_ratio": "1.78",
                  "audio_bitrate": "384",
                  "audio_codec": "ac3",
                  "audio_decision": "direct play",
                  "bandwidth": "25318",
                  "container": "mkv",
                  "duration": "2998272",
                  "friendly_name": "Jon Snow",
                  "full_title": "Game of Thrones - The Red Woman",
                  "ip_address": "192.0.2.11",
                  "library_name": "TV Shows",
                  "live": 0,
                  "local": 1,
                  "location": "lan",
                  "media_type": "episode",
                  "platform": "Plex Media Player",
                  "progress_percent": "0",
                  "quality_profile": "Original",
                  "rating_key": "153037",
                  "secure": 1,
                  "section_id": "2",
                  "session_id": "helf15l3rxgw01xxe0jf3l3d",
                  "session_key": "27",
                  "state": "playing",
                  "stream_video_resolution": "1080",
                  "transcode_decision": "direct play",
                  "user": "LordCommanderSnow",
                  "user_id": 133788,
                  "view_offset": "1000",
                  ...
                  }
             ],
             "stream_count": "1",
             "stream_count_direct_play": 1,
             "stream_count_direct_stream": 0,
             "stream_count_transcode": 0,
             "total_bandwidth": 25318,
             "wan_bandwidth": 0
             }
    ```
    Each session has every key of Tautulli's (about 250): mostly text as PMS says it, with
    ``user_id``, ``row_id``, ``live``, ``channel_stream`` and the 0/1 flags as ints and people,
    genres, guids and markers as lists. ``stream_count`` is text, the counters and bandwidths
    (kbps; WAN is every location but "lan") are ints, also without sessions. With
    ``session_key`` or ``session_id`` the data is that session's dict alone, ``{}`` when it is
    not playing. A Plex server that cannot be reached answers success with ``{}``.
    """
    server = server_from_params(params)
    if server is None:
        return {}
    return activity_data(
        server, session_key=params.str("session_key"), session_id=params.str("session_id")
    )


def stream_data(values: dict, *, current_session: bool) -> dict:
    """Tautulli's get_stream_data dict from a row's columns (``values``: history media info and
    metadata, or a live session's columns): :data:`STREAM_DATA_KEYS` in order,
    ``current_session`` and ``pre_tautulli``, every empty value (None, 0, "") as "".

    A row written before Tautulli kept stream details (no ``stream_container``) gets them from
    its source and transcode columns, and ``pre_tautulli`` 1.
    """
    values = dict(values)
    pre_tautulli = 0
    if not values.get("stream_container"):
        values.update(
            stream_video_full_resolution=values.get("video_full_resolution"),
            stream_container=values.get("transcode_container") or values.get("container"),
            stream_video_decision=values.get("video_decision"),
            stream_video_codec=values.get("transcode_video_codec") or values.get("video_codec"),
            stream_video_width=values.get("transcode_width") or values.get("width"),
            stream_video_height=values.get("transcode_height") or values.get("height"),
            stream_audio_decision=values.get("audio_decision"),
            stream_audio_codec=values.get("transcode_audio_codec") or values.get("audio_codec"),
            stream_audio_channels=values.get("transcode_audio_channels")
            or values.get("audio_channels"),
            video_width=values.get("width"),
            video_height=values.get("height"),
        )
        pre_tautulli = 1
    output = {key: values.get(key) for key in STREAM_DATA_KEYS}
    output["current_session"] = int(current_session)
    output["pre_tautulli"] = pre_tautulli
    return {key: value or "" for key, value in output.items()}


def _history_values(row_id: int) -> dict | None:
    """The columns of history row ``row_id`` that get_stream_data reads, or None (no such row,
    or no media info for it)."""
    history = History.objects.select_related("media_info", "metadata").filter(pk=row_id).first()
    if history is None:
        return None
    try:
        media_info, metadata = history.media_info, history.metadata
    except (
        History.media_info.RelatedObjectDoesNotExist,
        History.metadata.RelatedObjectDoesNotExist,
    ):
        return None
    values = {
        key: getattr(media_info, key)
        for key in (*STREAM_DATA_KEYS, *_LEGACY_KEYS)
        if hasattr(media_info, key)
    }
    values["quality_profile"] = history.quality_profile
    for key in ("media_type", "title", "grandparent_title", "original_title"):
        values[key] = getattr(metadata, key)
    return values


def _session_values(session_key: int, server) -> dict | None:
    """The columns of the live session ``session_key``: the monitor's row (on ``server`` when
    given), else what the Plex server says of it now; None when it is not playing."""
    rows = Session.objects.confirmed().filter(session_key=session_key).order_by("pk")
    if server is not None:
        rows = rows.filter(server=server)
    row = rows.values().first()
    if row is not None:
        return row
    server = server or Server.objects.default()
    if server is None:
        return None
    info = activity_data(server, session_key=session_key)
    return session_columns(info) if info else None


@api_command()
def get_stream_data(request, params):
    """Get the stream details from history or current stream.

    ```
    Required parameters:
        row_id (int):       The row ID number for the history item, OR
        session_key (int):  The session key of the current stream

    Optional parameters:
        server (str):       server id, name or machine identifier (for session_key)

    Returns:
        json:
            {"aspect_ratio": "2.35",
             "audio_bitrate": 231,
             "audio_channels": 6,
             "audio_codec": "aac",
             "audio_decision": "transcode",
             "audio_language": "English",
             "audio_language_code": "eng",
             "bitrate": 2731,
             "container": "mp4",
             "current_session": "",
             "grandparent_title": "",
             "media_type": "movie",
             "optimized_version": "",
             "optimized_version_profile": "",
             "optimized_version_title": "",
             "original_title": "",
             "pre_tautulli": "",
             "quality_profile": "1.5 Mbps 480p",
             "stream_audio_bitrate": 203,
             "stream_audio_channels": 2,
             "stream_audio_codec": "aac",
             "stream_audio_decision": "transcode",
             "stream_bitrate": 730,
             "stream_container": "mkv",
             "stream_container_decision": "transcode",
             "stream_subtitle_codec": "",
             "stream_subtitle_decision": "",
             "stream_video_bitrate": 527,
             "stream_video_codec": "h264",
             "stream_video_decision": "transcode",
             "stream_video_dynamic_range": "SDR",
             "stream_video_framerate": "24p",
             "stream_video_full_resolution": "480p",
             "stream_video_height": 306,
             "stream_video_width": 720,
             "subtitle_codec": "",
             "subtitles": "",
             "synced_version": "",
             "synced_version_profile": "",
             "title": "Frozen",
             "transcode_hw_decoding": "",
             "transcode_hw_encoding": "",
             "video_bitrate": 2500,
             "video_codec": "h264",
             "video_decision": "transcode",
             "video_dynamic_range": "SDR",
             "video_framerate": "24p",
             "video_full_resolution": "1080p",
             "video_height": 816,
             "video_width": 1920
             }
    ```
    Numbers are ints, and every empty value (0 included) is "", as in Tautulli.
    ``current_session`` is 1 for a live session ("" for history); ``pre_tautulli`` 1 for a row
    written before stream details were kept. ``row_id`` is a History id (``id`` is accepted for
    it too); ``session_key`` reads the session the monitor keeps, else asks the Plex server. An
    unknown row or session answers an error with a null message, as Tautulli.
    """
    row_id = params.int("row_id") if "row_id" in params else params.int("id")
    session_key = params.int("session_key")
    if row_id is not None:
        values = _history_values(row_id)
        current = False
    elif session_key is not None:
        values = _session_values(session_key, server_from_params(params, default_first=False))
        current = True
    else:
        raise ApiError("Parameter row_id or session_key is required")
    if values is None:
        return False
    return stream_data(values, current_session=current)


@api_command()
def terminate_session(request, params):
    """Stop a streaming session.

    ```
    Required parameters:
        session_key (int):  The session key of the session to terminate, OR
        session_id (str):   The session id of the session to terminate

    Optional parameters:
        message (str):      A custom message to send to the client
        server (str):       server id, name or machine identifier (default: the first)

    Returns:
        None
    ```
    Asks the Plex server to stop the session (``/status/sessions/terminate``), which shows
    ``message`` (default "The server owner has ended the stream.") on the player. Answers
    success "Session terminated."; errors, as Tautulli's: "Failed to terminate session: Invalid
    session_key (K) or session_id (I)." when it is not playing, "...: No Plex Pass
    subscription." (PMS only stops streams for Plex Pass owners), "Failed to terminate
    session." when PMS refused; and "...: <why>." when the server cannot be reached. The
    service is :func:`plex.activity.terminate.terminate_stream` (audited, as the admin's button).
    """
    result = terminate_stream(
        server_from_params(params),
        session_key=params.str("session_key"),
        session_id=params.str("session_id"),
        message=params.str("message"),
    )
    return {"result": "success" if result.ok else "error", "message": result.message}
