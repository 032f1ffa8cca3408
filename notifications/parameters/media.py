"""Parameters of stream and recently-added notifications: Tautulli's
``build_media_notify_params`` (plexpy/notification_handler.py, reference 4.6), built from our
session, history and PMS's metadata.

Where values come from, in order (a later source only fills keys an earlier one left empty):

1. the event's ``session`` (stream actions): the ``sessions`` row merged with the get_activity
   keys (:func:`plex.activity.store.session_event_data`), which already hold the item's
   metadata and source media as Tautulli's session does;
2. PMS's metadata of the item (:func:`plex.metadata.fetch_metadata`, one request), or the
   ``metadata`` the caller passes; for on_created it is the main source;
3. when PMS cannot be reached: the history row of a stopped stream (``history_id``).

PMS being down never fails a build: what the session (or the timeline) holds is used.
The result holds every input key as well (Tautulli's texts may name any session key), then
the catalogued parameters (:mod:`.catalog`) computed over them.
"""

from __future__ import annotations

from core import clock

from .counts import stream_counts
from .links import links, watch_link
from .server import global_parameters
from .sources import PmsReads, child_numbers, history_values, item_metadata
from .values import (
    date_format,
    date_value,
    day_value,
    duration_value,
    group_index,
    human_size,
    joined,
    ms_to_seconds,
    percent,
    seconds_to_minutes,
    time_format,
    to_int,
)

# Tautulli's EXTRA_TYPES (PMS's extra type number → name), for extra_type.
EXTRA_TYPES = {
    "1": "trailer",
    "2": "deleted scene",
    "3": "interview",
    "5": "behind the scenes",
    "6": "scene",
    "10": "featurette",
    "11": "short",
    "12": "other",
}
STREAM_TYPES = {"1": "video", "2": "audio", "3": "subtitle"}
GROUP_TYPES = ("show", "artist")
PARENT_GROUP_TYPES = ("season", "album")


def stream_parameters(
    server,
    action: str,
    session: dict,
    *,
    history_id: int | None = None,
    user_streams: int | None = None,
    metadata: dict | None = None,
    reads: PmsReads | None = None,
) -> dict:
    """The parameters of a stream action (on_play, on_stop, on_pause, ..., on_watched,
    on_concurrent, on_newdevice) for the event's ``session`` dict (see module doc).

    ``user_streams``: the count on_concurrent was emitted with (it may count IP addresses),
    instead of the user's active streams. ``metadata``: the item's get_metadata dict when the
    caller has it (no request then); ``reads``: the PMS readers (default
    :func:`.sources.pms_reads`). Units as Tautulli's: ``duration``/``progress_duration``/
    ``remaining_duration``/``stream_duration`` whole minutes, ``*_sec`` seconds,
    ``view_offset``/``duration_ms`` ms, ``*_unixtime`` epoch seconds, dates :class:`DateValue`.
    ``stream_duration`` runs to the session's last update (``stopped``), so a queued
    notification shows the time at the event, not at delivery.
    """
    params = dict(session)
    source = (
        metadata if metadata is not None else item_metadata(server, params.get("rating_key"), reads)
    )
    if source:
        _fill(params, flatten_metadata(source))
    elif history_id:
        _fill(params, history_values(history_id))
    exclude = params.get("session_key") if action == "on_stop" else None
    counts = stream_counts(server, params.get("user_id"), exclude_session_key=exclude)
    if user_streams is not None:
        counts["user_streams"] = user_streams
    return _assemble(server, action, params, session, counts, _item_names(params))


def created_parameters(server, timeline: dict, *, reads: PmsReads | None = None) -> dict:
    """The parameters of on_created for the monitor's ``timeline`` dict (``{rating_key,
    parent_rating_key, grandparent_rating_key, media_type, section_id, title, child_keys}``,
    see :mod:`plex.activity.events`).

    A grouped announcement (a show or artist with its new seasons or albums in
    ``child_keys``, a season or album with its new episodes or tracks) gives the numbers as
    ranges, as Tautulli: ``season_num`` "1-3,5" and ``season_count`` for a show,
    ``episode_num``/``track_num`` and ``episode_count``/``track_count`` for a season/album
    (children read with one request). Stream parameters are empty or 0. ``reads`` as for
    :func:`stream_parameters`; PMS down gives what the timeline holds (numbers "0").
    """
    params = dict(flatten_metadata(item_metadata(server, timeline.get("rating_key"), reads) or {}))
    _fill(params, {key: value for key, value in timeline.items() if key != "child_keys"})
    child_keys = [str(key) for key in timeline.get("child_keys") or []]
    numbers = (
        child_numbers(server, timeline.get("rating_key"), child_keys, reads) if child_keys else []
    )
    counts = stream_counts(server)
    return _assemble(server, "on_created", params, {}, counts, _group_names(params, numbers))


def flatten_metadata(metadata: dict) -> dict:
    """A get_metadata dict with its first media version, that version's selected part (else
    the first) and that part's selected video, audio and subtitle streams (else the first of
    each) merged in, as Tautulli flattens ``media_info``."""
    flat = {key: value for key, value in metadata.items() if key != "media_info"}
    versions = metadata.get("media_info") or []
    if not versions:
        return flat
    media = dict(versions[0])
    parts = media.pop("parts", None) or []
    flat.update(media)
    if not parts:
        return flat
    part = dict(next((p for p in parts if _selected(p)), parts[0]))
    streams = part.pop("streams", None) or []
    flat.update(part)
    for kind in STREAM_TYPES:
        of_kind = [s for s in streams if str(s.get("type")) == kind]
        if of_kind:
            flat.update(
                {
                    k: v
                    for k, v in next((s for s in of_kind if _selected(s)), of_kind[0]).items()
                    if k not in ("id", "type", "selected")
                }
            )
    return flat


# --- the parts ------------------------------------------------------------------------------


def _assemble(server, action, params, session, counts, names) -> dict:
    out = dict(params)
    out.update(global_parameters(server, action))
    out.update(counts)
    out.update(_stream_values(params, session, action))
    out.update(_source_values(params))
    out.update(names)
    out.update(links(params, server.machine_identifier or ""))
    return out


def _stream_values(p: dict, session: dict, action: str) -> dict:
    """The Stream Details category (counters apart)."""
    if session and action != "on_play":
        end = to_int(session.get("stopped")) or to_int(clock.epoch())
        stream_sec = max(
            end - to_int(session.get("started")) - to_int(session.get("paused_counter")), 0
        )
    else:
        stream_sec = 0
    view_offset = to_int(session.get("view_offset")) if session else 0
    progress_sec = ms_to_seconds(view_offset)
    duration_sec = ms_to_seconds(p.get("duration"))
    progress_min = seconds_to_minutes(progress_sec)
    video, audio = p.get("stream_video_decision") or "", p.get("stream_audio_decision") or ""
    if "transcode" in (video, audio):
        decision = "Transcode"
    elif "copy" in (video, audio):
        decision = "Direct Stream"
    else:
        decision = "Direct Play"
    marker = _marker(p)
    g = _getter(p)
    values = {
        "user": g("friendly_name"),
        "username": g("user"),
        "user_email": g("email"),
        "ip_address": p.get("ip_address", "N/A"),
        "started_datestamp": date_value(p.get("started"), date_format()),
        "started_timestamp": date_value(p.get("started"), time_format()),
        "started_unixtime": g("started"),
        "stopped_datestamp": date_value(p.get("stopped"), date_format()),
        "stopped_timestamp": date_value(p.get("stopped"), time_format()),
        "stopped_unixtime": g("stopped"),
        "stream_duration": seconds_to_minutes(stream_sec),
        "stream_duration_sec": stream_sec,
        "stream_time": duration_value(stream_sec),
        "remaining_duration": seconds_to_minutes(duration_sec) - progress_min,
        "remaining_duration_sec": duration_sec - progress_sec,
        "remaining_time": duration_value(duration_sec - progress_sec),
        "progress_duration": progress_min,
        "progress_duration_sec": progress_sec,
        "progress_time": duration_value(progress_sec),
        "progress_percent": percent(progress_sec, duration_sec),
        "view_offset": view_offset,
        "transcode_decision": decision,
        "marker_start": to_int(marker.get("start_time_offset")),
        "marker_end": to_int(marker.get("end_time_offset")),
        "credits_marker_first": to_int(marker.get("first")),
        "credits_marker_final": to_int(marker.get("final")),
        "secure": "unknown" if p.get("secure") is None else p["secure"],
        "stream_local": g("local"),
        "stream_location": g("location"),
        "stream_bandwidth": g("bandwidth"),
        "transcode_video_width": g("transcode_width"),
        "transcode_video_height": g("transcode_height"),
        "transcode_hw_decode_codec": g("transcode_hw_decode"),
        "transcode_hw_encode_codec": g("transcode_hw_encode"),
    }
    for key in _SAME_NAME_STREAM:
        values[key] = g(key)
    return values


_SAME_NAME_STREAM = (
    "user_thumb device platform platform_version product product_version player initial_stream "
    "container_decision video_decision audio_decision subtitle_decision quality_profile "
    "optimized_version optimized_version_profile synced_version live channel_call_sign "
    "channel_id channel_identifier channel_title channel_thumb channel_vcn relayed "
    "stream_container stream_bitrate stream_aspect_ratio stream_video_codec "
    "stream_video_codec_level stream_video_bitrate stream_video_bit_depth "
    "stream_video_chroma_subsampling stream_video_color_primaries stream_video_color_range "
    "stream_video_color_space stream_video_color_trc stream_video_dynamic_range "
    "stream_video_dovi_present stream_video_dovi_level stream_video_dovi_profile "
    "stream_video_framerate stream_video_full_resolution stream_video_ref_frames "
    "stream_video_resolution stream_video_scan_type stream_video_height stream_video_width "
    "stream_video_language stream_video_language_code stream_audio_bitrate "
    "stream_audio_bitrate_mode stream_audio_codec stream_audio_channels "
    "stream_audio_channel_layout stream_audio_sample_rate stream_audio_language "
    "stream_audio_language_code stream_audio_profile stream_subtitle_codec "
    "stream_subtitle_container stream_subtitle_format stream_subtitle_forced "
    "stream_subtitle_language stream_subtitle_language_code stream_subtitle_location "
    "transcode_container transcode_video_codec transcode_audio_codec transcode_audio_channels "
    "transcode_hw_requested transcode_hw_decoding transcode_hw_decode_title "
    "transcode_hw_encoding transcode_hw_encode_title transcode_hw_full_pipeline session_key "
    "transcode_key session_id user_id machine_id"
).split()

_SAME_NAME_SOURCE = (
    "media_type library_name edition_title year studio content_rating summary tagline "
    "user_rating container bitrate aspect_ratio video_codec video_codec_level video_bitrate "
    "video_bit_depth video_chroma_subsampling video_color_primaries video_color_range "
    "video_color_space video_color_trc video_dynamic_range video_dovi_present video_dovi_level "
    "video_dovi_profile video_framerate video_full_resolution video_ref_frames video_resolution "
    "video_scan_type video_language video_language_code audio_bitrate audio_bitrate_mode "
    "audio_codec audio_channels audio_channel_layout audio_sample_rate audio_language "
    "audio_language_code audio_profile subtitle_codec subtitle_container subtitle_format "
    "subtitle_forced subtitle_location subtitle_language subtitle_language_code file indexes "
    "guid section_id rating_key parent_rating_key grandparent_rating_key art thumb "
    "parent_thumb grandparent_thumb"
).split()


def _source_values(p: dict) -> dict:
    """The Source Metadata Details category, names and numbers apart."""
    g = _getter(p)
    media_type = g("media_type")
    guid = str(g("guid"))
    rating = g("rating") or g("audience_rating")
    critic = ""
    if str(g("rating_image")).startswith("rottentomatoes://") and g("rating"):
        critic = percent(g("rating"), 10)
    audience = g("audience_rating")
    if (
        str(g("audience_rating_image")).startswith(("rottentomatoes://", "themoviedb://"))
        and audience
    ):
        audience = percent(audience, 10)
    poster_thumb, poster_title, slug = _poster(p, media_type)
    duration_sec = ms_to_seconds(p.get("duration"))
    file = str(g("file"))
    values = {
        "extra_type": EXTRA_TYPES.get(str(g("extra_type")), "") if media_type == "clip" else "",
        "preroll": int("prerolls://" in guid),
        "title": g("full_title") or g("title"),
        "track_artist": g("original_title") or g("grandparent_title"),
        "release_date": day_value(p.get("originally_available_at"), date_format()),
        "air_date": day_value(p.get("originally_available_at"), date_format()),
        "added_date": date_value(p.get("added_at"), date_format()),
        "updated_date": date_value(p.get("updated_at"), date_format()),
        "last_viewed_date": date_value(p.get("last_viewed_at"), date_format()),
        "directors": joined(p.get("directors")),
        "writers": joined(p.get("writers")),
        "actors": joined(p.get("actors")),
        "genres": joined(p.get("genres")),
        "labels": joined(p.get("labels")),
        "collections": joined(p.get("collections")),
        "rating": rating,
        "critic_rating": critic,
        "audience_rating": audience,
        "duration": seconds_to_minutes(duration_sec),
        "duration_sec": duration_sec,
        "duration_ms": g("duration"),
        "duration_time": duration_value(duration_sec),
        # No public image host: empty, as Tautulli without an image service (its default).
        "poster_url": g("poster_url"),
        "poster_title": poster_title,
        "poster_thumb": poster_thumb,
        "plex_slug": slug,
        "plex_watch_url": watch_link(media_type, slug),
        "video_height": g("height") or g("video_height"),
        "video_width": g("width") or g("video_width"),
        "filename": file.replace("\\", "/").rsplit("/", 1)[-1],
        "file_size": human_size(g("file_size")),
        "file_size_bytes": g("file_size"),
    }
    for key in _SAME_NAME_SOURCE:
        values[key] = g(key)
    return values


def _poster(p: dict, media_type: str) -> tuple[str, str, str]:
    """``(poster_thumb, poster_title, plex_slug)`` by media type, as Tautulli picks them."""
    g = _getter(p)
    if media_type in ("movie", "show", "artist"):
        return g("thumb"), g("title"), g("slug")
    if media_type in PARENT_GROUP_TYPES:
        return (
            g("thumb") or g("parent_thumb"),
            f"{g('parent_title')} - {g('title')}",
            g("parent_slug"),
        )
    if media_type in ("episode", "track"):
        title = f"{g('grandparent_title')} - {g('parent_title')}"
        return g("parent_thumb") or g("grandparent_thumb"), title, g("grandparent_slug")
    if media_type == "clip":
        thumb = g("parent_thumb") or g("thumb")
        if g("extra_type"):
            thumb = str(g("art")).replace("/art", "/thumb") or g("thumb")
        return thumb, g("title"), g("slug")
    return "", "", ""


def _item_names(p: dict) -> dict:
    """Names and numbers of one played item (episode, track, movie...)."""
    g = _getter(p)
    season, number = g("parent_media_index"), g("media_index")
    return {
        "show_name": g("grandparent_title"),
        "season_name": g("parent_title"),
        "episode_name": g("title"),
        "artist_name": g("grandparent_title"),
        "album_name": g("parent_title"),
        "track_name": g("title"),
        "season_num": str(season).zfill(1),
        "season_num00": str(season).zfill(2),
        "episode_num": str(number).zfill(1),
        "episode_num00": str(number).zfill(2),
        "disc_num": str(season).zfill(1),
        "disc_num00": str(season).zfill(2),
        "track_num": str(number).zfill(1),
        "track_num00": str(number).zfill(2),
        "season_count": 1,
        "episode_count": 1,
        "album_count": 1,
        "track_count": 1,
        "show_year": g("grandparent_year"),
    }


def _group_names(p: dict, numbers: list[int]) -> dict:
    """Names and numbers of a recently-added item, grouped (show/artist with children,
    season/album with children) as Tautulli groups them; other types as :func:`_item_names`."""
    g = _getter(p)
    media_type = g("media_type")
    if media_type in GROUP_TYPES:
        num, num00 = group_index(numbers)
        names = dict.fromkeys(
            "season_name episode_name album_name track_name episode_num episode_num00 disc_num "
            "disc_num00 track_num track_num00 episode_count track_count".split(),
            "",
        )
        names.update(
            show_name=g("title"),
            artist_name=g("title"),
            season_num=num,
            season_num00=num00,
            season_count=len(numbers),
            album_count=len(numbers),
            show_year=g("year"),
        )
        return names
    if media_type in PARENT_GROUP_TYPES:
        num, num00 = group_index(numbers)
        index = g("media_index")
        return {
            "show_name": g("parent_title"),
            "season_name": g("title"),
            "episode_name": "",
            "artist_name": g("parent_title"),
            "album_name": g("title"),
            "track_name": "",
            "season_num": str(index).zfill(1),
            "season_num00": str(index).zfill(2),
            "episode_num": num,
            "episode_num00": num00,
            "track_num": num,
            "track_num00": num00,
            "disc_num": "",
            "disc_num00": "",
            "season_count": 1,
            "album_count": 1,
            "episode_count": len(numbers),
            "track_count": len(numbers),
            "show_year": g("parent_year"),
        }
    return _item_names(p)


def _marker(p: dict) -> dict:
    """The marker the stream reached last (the session's ``marker``: 1-based index into its
    ``markers``), else {}."""
    index = to_int(p.get("marker"))
    markers = p.get("markers") or []
    if 0 < index <= len(markers) and isinstance(markers[index - 1], dict):
        return markers[index - 1]
    return {}


def _fill(params: dict, values: dict) -> None:
    """Copy ``values`` into ``params`` where ``params`` has no value (missing, None, "", [])."""
    for key, value in values.items():
        if params.get(key) in (None, "", []):
            params[key] = value


def _getter(p: dict):
    """``g(key)``: the value, ``""`` when missing or None (Tautulli's defaultdict(str))."""

    def g(key: str):
        value = p.get(key)
        return "" if value is None else value

    return g


def _selected(item: dict) -> bool:
    return str(item.get("selected")) in ("1", "True", "true")
