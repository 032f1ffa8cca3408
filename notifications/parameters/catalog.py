"""The notification parameters a message can use: Tautulli's ``NOTIFICATION_PARAMETERS``
(plexpy/common.py, reference 4.6), with its keys (``value``) and condition types (``type``), in
its categories and order; names and descriptions are our own wording.

Shapes:

* :data:`CATEGORIES` — ``[(category, (Parameter, ...)), ...]``: ``Global``, ``Stream Details``,
  ``Source Metadata Details``, ``Plex Remote Access``, ``Plex Update Available``,
  ``Tautulli Update Available`` (304 parameters; Tautulli's newsletter parameters are a
  separate list, not answered by ``get_notifier_parameters``).
* :data:`PARAMETER_TYPES` — ``{value: "str" | "int" | "float"}``: how a custom condition
  compares the parameter (Tautulli's ``NOTIFICATION_PARAMETERS_TYPES``).
* :func:`notifier_parameters` — ``[{"name", "type", "value"}]``: what ``get_notifier_parameters``
  answers.

Deliberate difference from Tautulli v2.17.2: its "Channel VCN" entry repeats the key
``channel_title`` (a slip: its builder fills ``channel_vcn``); here it is ``channel_vcn``.
Kept as Tautulli has them although surprising: ``utctime`` is typed ``int`` but is an ISO
text; ``transcode_hw_decode``/``transcode_hw_encode`` are listed while the builder also fills
``transcode_hw_decode_codec``/``transcode_hw_encode_codec`` (both are filled here).
"""

from __future__ import annotations

from typing import NamedTuple


class Parameter(NamedTuple):
    """One parameter: ``value`` is the key used in texts (``{value}``) and conditions."""

    value: str
    type: str  # "str", "int" or "float": how custom conditions compare it
    name: str
    description: str


def _p(value: str, type_: str, name: str, description: str) -> Parameter:
    return Parameter(value, type_, name, description)


FLAG = " 1 or 0."

GLOBAL = (
    _p(
        "tautulli_version",
        "str",
        "Tautulli version",
        "The Tautulli release this server is compatible with (e.g. v2.17.2).",
    ),
    _p(
        "tautulli_remote",
        "str",
        "Tautulli remote",
        "The git remote Tautulli was installed from (empty here: not a git install).",
    ),
    _p(
        "tautulli_branch",
        "str",
        "Tautulli branch",
        "The git branch of the install (empty here: not a git install).",
    ),
    _p(
        "tautulli_commit",
        "str",
        "Tautulli commit",
        "The git commit of the install (empty here: not a git install).",
    ),
    _p("server_name", "str", "Server name", "The Plex Media Server's name."),
    _p(
        "server_ip",
        "str",
        "Server address",
        "The host name or IP address used to reach the Plex Media Server.",
    ),
    _p("server_port", "int", "Server port", "The TCP port used to reach the Plex Media Server."),
    _p("server_url", "str", "Server URL", "The URL used to reach the Plex Media Server."),
    _p(
        "server_platform",
        "str",
        "Server platform",
        "The operating system the Plex Media Server runs on.",
    ),
    _p("server_version", "str", "Server version", "The Plex Media Server's version."),
    _p(
        "server_machine_id",
        "str",
        "Server machine id",
        "The Plex Media Server's machine identifier.",
    ),
    _p(
        "action",
        "str",
        "Action",
        "What happened, without the on_ prefix (play, stop, created, intdown...).",
    ),
    _p("current_year", "int", "Year now", "The year at notification time (server's time zone)."),
    _p("current_month", "int", "Month now", "The month at notification time, 1 to 12."),
    _p("current_day", "int", "Day now", "The day of the month at notification time, 1 to 31."),
    _p("current_hour", "int", "Hour now", "The hour at notification time, 0 to 23."),
    _p("current_minute", "int", "Minute now", "The minute at notification time, 0 to 59."),
    _p("current_second", "int", "Second now", "The second at notification time, 0 to 59."),
    _p(
        "current_weekday",
        "int",
        "Weekday now",
        "The ISO day of the week at notification time: 1 Monday to 7 Sunday.",
    ),
    _p("current_week", "int", "Week now", "The ISO week number at notification time, 1 to 53."),
    _p(
        "datestamp",
        "str",
        "Date now",
        "The date at notification time, in the date format (Arrow tokens accepted: {datestamp:DD MMM}).",
    ),
    _p(
        "timestamp",
        "str",
        "Time now",
        "The time at notification time, in the time format (Arrow tokens accepted).",
    ),
    _p("unixtime", "int", "Epoch now", "Notification time in epoch seconds."),
    _p(
        "utctime",
        "int",
        "UTC now",
        "Notification time in UTC as ISO 8601 text (YYYY-MM-DDTHH:MM:SS.ffffff).",
    ),
)

_STREAM_PEOPLE = (
    _p("streams", "int", "Streams", "Streams playing now on the server."),
    _p("lan_streams", "int", "Local streams", "Streams playing now from inside the network."),
    _p("wan_streams", "int", "Remote streams", "Streams playing now from outside the network."),
    _p("direct_plays", "int", "Direct plays", "Streams playing now without any conversion."),
    _p(
        "direct_streams",
        "int",
        "Direct streams",
        "Streams playing now with only the container converted.",
    ),
    _p("transcodes", "int", "Transcodes", "Streams playing now being transcoded."),
    _p(
        "total_bandwidth",
        "int",
        "Bandwidth",
        "Bandwidth PMS reserves for all streams, in kbps (a reservation, not the bandwidth used).",
    ),
    _p(
        "lan_bandwidth",
        "int",
        "Local bandwidth",
        "Bandwidth PMS reserves for local streams, in kbps (a reservation).",
    ),
    _p(
        "wan_bandwidth",
        "int",
        "Remote bandwidth",
        "Bandwidth PMS reserves for remote streams, in kbps (a reservation).",
    ),
    _p("user_streams", "int", "User's streams", "Streams this user is playing now."),
    _p(
        "user_direct_plays",
        "int",
        "User's direct plays",
        "This user's streams playing without conversion.",
    ),
    _p(
        "user_direct_streams",
        "int",
        "User's direct streams",
        "This user's streams with only the container converted.",
    ),
    _p("user_transcodes", "int", "User's transcodes", "This user's streams being transcoded."),
    _p("user", "str", "User", "The user's friendly name (as shown in Tautulli)."),
    _p("username", "str", "Plex username", "The user's Plex account name."),
    _p("user_email", "str", "User e-mail", "The user's e-mail address."),
    _p("user_thumb", "str", "User picture", "The URL of the user's avatar."),
    _p("device", "str", "Device", "The kind of device playing (e.g. SHIELD Android TV)."),
    _p("platform", "str", "Platform", "The player's platform (e.g. Android, Roku, Chrome)."),
    _p("platform_version", "str", "Platform version", "The version of the player's platform."),
    _p("product", "str", "Product", "The Plex app playing (e.g. Plex for Android (TV))."),
    _p("product_version", "str", "Product version", "The version of the Plex app playing."),
    _p("player", "str", "Player", "The player's name (e.g. Living Room TV)."),
    _p(
        "initial_stream",
        "int",
        "First stream",
        "Whether this stream starts a viewing session rather than continuing one just stopped on the same player;"
        + FLAG,
    ),
    _p("ip_address", "str", "IP address", "The IP address of the device playing."),
    _p(
        "started_datestamp",
        "str",
        "Start date",
        "When the stream started, in the date format (Arrow tokens accepted).",
    ),
    _p(
        "started_timestamp",
        "str",
        "Start time",
        "When the stream started, in the time format (Arrow tokens accepted).",
    ),
    _p("started_unixtime", "int", "Start epoch", "When the stream started, in epoch seconds."),
    _p(
        "stopped_datestamp",
        "str",
        "Stop date",
        "When the stream stopped (last update while playing), in the date format.",
    ),
    _p(
        "stopped_timestamp",
        "str",
        "Stop time",
        "When the stream stopped (last update while playing), in the time format.",
    ),
    _p(
        "stopped_unixtime",
        "int",
        "Stop epoch",
        "When the stream stopped (last update while playing), in epoch seconds.",
    ),
    _p(
        "stream_duration",
        "int",
        "Watch time (min)",
        "Time spent playing, pauses excluded, in whole minutes (0 on play).",
    ),
    _p(
        "stream_duration_sec",
        "int",
        "Watch time (s)",
        "Time spent playing, pauses excluded, in seconds (0 on play).",
    ),
    _p(
        "stream_time",
        "str",
        "Watch time",
        "Time spent playing as a clock text in the time format (e.g. 01:05).",
    ),
    _p(
        "remaining_duration",
        "int",
        "Time left (min)",
        "Time left to the end of the item, in whole minutes.",
    ),
    _p(
        "remaining_duration_sec",
        "int",
        "Time left (s)",
        "Time left to the end of the item, in seconds.",
    ),
    _p(
        "remaining_time",
        "str",
        "Time left",
        "Time left to the end of the item as a clock text in the time format.",
    ),
    _p(
        "progress_duration",
        "int",
        "Position (min)",
        "The position reached in the item, in whole minutes.",
    ),
    _p(
        "progress_duration_sec",
        "int",
        "Position (s)",
        "The position reached in the item, in seconds.",
    ),
    _p(
        "progress_time",
        "str",
        "Position",
        "The position reached as a clock text in the time format.",
    ),
    _p(
        "progress_percent",
        "int",
        "Progress %",
        "The position reached as a whole percentage of the item's length.",
    ),
    _p("view_offset", "int", "Position (ms)", "The position reached in the item, in milliseconds."),
    _p(
        "transcode_decision",
        "str",
        "Playback",
        "How the stream is delivered: Direct Play, Direct Stream or Transcode.",
    ),
    _p(
        "container_decision",
        "str",
        "Container decision",
        "What PMS does to the container: direct play, copy or transcode.",
    ),
    _p(
        "video_decision",
        "str",
        "Video decision",
        "What PMS does to the video: direct play, copy or transcode.",
    ),
    _p(
        "audio_decision",
        "str",
        "Audio decision",
        "What PMS does to the audio: direct play, copy or transcode.",
    ),
    _p(
        "subtitle_decision",
        "str",
        "Subtitle decision",
        "What PMS does to the subtitles: copy, transcode or burn.",
    ),
    _p(
        "quality_profile",
        "str",
        "Quality",
        "The quality chosen in the player (e.g. Original, 4 Mbps 720p).",
    ),
    _p(
        "optimized_version",
        "int",
        "Optimized version",
        "Whether an optimized version is played;" + FLAG,
    ),
    _p(
        "optimized_version_profile",
        "str",
        "Optimized profile",
        "The profile of the optimized version played.",
    ),
    _p(
        "synced_version",
        "int",
        "Synced version",
        "Whether a downloaded (synced) copy is played;" + FLAG,
    ),
    _p("live", "int", "Live TV", "Whether the stream is live TV;" + FLAG),
    _p(
        "marker_start",
        "int",
        "Marker start (ms)",
        "Where the reached intro/credits/commercial marker starts, in milliseconds.",
    ),
    _p(
        "marker_end",
        "int",
        "Marker end (ms)",
        "Where the reached intro/credits/commercial marker ends, in milliseconds.",
    ),
    _p(
        "credits_marker_first",
        "int",
        "First credits",
        "Whether the reached marker is the item's first credits marker;" + FLAG,
    ),
    _p(
        "credits_marker_final",
        "int",
        "Final credits",
        "Whether the reached marker is the item's last credits marker;" + FLAG,
    ),
    _p("channel_call_sign", "str", "Channel call sign", "The live TV channel's call sign."),
    _p("channel_id", "str", "Channel number", "The live TV channel's number."),
    _p("channel_identifier", "str", "Channel identifier", "The live TV channel's identifier."),
    _p("channel_title", "str", "Channel name", "The live TV channel's name."),
    _p("channel_thumb", "str", "Channel logo", "The URL of the live TV channel's logo."),
    _p("channel_vcn", "str", "Channel VCN", "The tuner's virtual channel number."),
    _p("secure", "int", "Secure", "Whether the connection is encrypted;" + FLAG),
    _p("relayed", "int", "Relayed", "Whether the stream goes through the Plex relay;" + FLAG),
    _p("stream_local", "int", "Local", "Whether the player is on the local network;" + FLAG),
    _p("stream_location", "str", "Location", "Where the player is: lan or wan."),
    _p(
        "stream_bandwidth",
        "int",
        "Stream bandwidth",
        "Bandwidth PMS reserves for this stream, in kbps (a reservation).",
    ),
)

# Media attributes shared by the stream sent (stream_*) and the library file (no prefix):
# suffix -> (type, name, what it is).
_MEDIA = {
    "container": ("str", "Container", "container format"),
    "bitrate": ("int", "Bitrate", "overall bitrate, in kbps"),
    "aspect_ratio": ("float", "Aspect ratio", "aspect ratio (e.g. 1.78)"),
    "video_codec": ("str", "Video codec", "video codec"),
    "video_codec_level": ("int", "Video codec level", "video codec level"),
    "video_bitrate": ("int", "Video bitrate", "video bitrate, in kbps"),
    "video_bit_depth": ("int", "Video bit depth", "video bit depth, in bits"),
    "video_chroma_subsampling": ("str", "Chroma subsampling", "chroma subsampling (e.g. 4:2:0)"),
    "video_color_primaries": ("str", "Colour primaries", "colour primaries"),
    "video_color_range": ("str", "Colour range", "colour range"),
    "video_color_space": ("str", "Colour space", "colour space"),
    "video_color_trc": ("str", "Transfer function", "colour transfer function"),
    "video_dynamic_range": ("str", "Dynamic range", "dynamic range (SDR, HDR10, Dolby Vision...)"),
    "video_dovi_present": ("int", "Dolby Vision", "Dolby Vision presence (1 or 0)"),
    "video_dovi_level": ("int", "Dolby Vision level", "Dolby Vision level"),
    "video_dovi_profile": ("int", "Dolby Vision profile", "Dolby Vision profile"),
    "video_framerate": ("str", "Frame rate", "frame rate as PMS names it (24p, NTSC...)"),
    "video_full_resolution": (
        "str",
        "Resolution and scan",
        "resolution with its scan letter (e.g. 1080p)",
    ),
    "video_ref_frames": ("int", "Reference frames", "number of video reference frames"),
    "video_resolution": ("str", "Resolution", "resolution as PMS names it (1080, 4k, sd...)"),
    "video_scan_type": ("str", "Scan type", "scan type (progressive or interlaced)"),
    "video_height": ("int", "Video height", "video height, in pixels"),
    "video_width": ("int", "Video width", "video width, in pixels"),
    "video_language": ("str", "Video language", "video track's language"),
    "video_language_code": (
        "str",
        "Video language code",
        "video track's language code (ISO 639-2)",
    ),
    "audio_bitrate": ("int", "Audio bitrate", "audio bitrate, in kbps"),
    "audio_bitrate_mode": ("str", "Audio bitrate mode", "audio bitrate mode (cbr or vbr)"),
    "audio_codec": ("str", "Audio codec", "audio codec"),
    "audio_channels": ("float", "Audio channels", "number of audio channels"),
    "audio_channel_layout": ("str", "Channel layout", "audio channel layout (e.g. 5.1(side))"),
    "audio_sample_rate": ("int", "Sample rate", "audio sample rate, in Hz"),
    "audio_language": ("str", "Audio language", "audio track's language"),
    "audio_language_code": (
        "str",
        "Audio language code",
        "audio track's language code (ISO 639-2)",
    ),
    "audio_profile": ("str", "Audio profile", "audio codec profile"),
    "subtitle_codec": ("str", "Subtitle codec", "subtitle codec"),
    "subtitle_container": ("str", "Subtitle container", "subtitle container"),
    "subtitle_format": ("str", "Subtitle format", "subtitle format"),
    "subtitle_forced": ("int", "Forced subtitles", "forced-subtitles flag (1 or 0)"),
    "subtitle_language": ("str", "Subtitle language", "subtitle language"),
    "subtitle_language_code": (
        "str",
        "Subtitle language code",
        "subtitle language code (ISO 639-2)",
    ),
    "subtitle_location": ("str", "Subtitle location", "subtitle location (embedded or external)"),
}

_VIDEO_ORDER = (
    "video_codec video_codec_level video_bitrate video_bit_depth video_chroma_subsampling "
    "video_color_primaries video_color_range video_color_space video_color_trc "
    "video_dynamic_range video_dovi_present video_dovi_level video_dovi_profile video_framerate "
    "video_full_resolution video_ref_frames video_resolution video_scan_type video_height "
    "video_width video_language video_language_code audio_bitrate audio_bitrate_mode audio_codec "
    "audio_channels audio_channel_layout audio_sample_rate audio_language audio_language_code "
    "audio_profile subtitle_codec subtitle_container subtitle_format subtitle_forced"
).split()
_STREAM_ORDER = [
    "container",
    "bitrate",
    "aspect_ratio",
    *_VIDEO_ORDER,
    "subtitle_language",
    "subtitle_language_code",
    "subtitle_location",
]
_SOURCE_ORDER = [
    "container",
    "bitrate",
    "aspect_ratio",
    *_VIDEO_ORDER,
    "subtitle_location",
    "subtitle_language",
    "subtitle_language_code",
]


def _stream_media(suffix: str) -> Parameter:
    type_, name, what = _MEDIA[suffix]
    return _p(f"stream_{suffix}", type_, f"Stream {name.lower()}", f"The stream's {what}.")


def _source_media(suffix: str) -> Parameter:
    type_, name, what = _MEDIA[suffix]
    return _p(suffix, type_, name, f"The library file's {what}.")


STREAM = (
    *_STREAM_PEOPLE,
    *(_stream_media(suffix) for suffix in _STREAM_ORDER),
    _p("transcode_container", "str", "Transcode container", "The container the transcoder writes."),
    _p(
        "transcode_video_codec",
        "str",
        "Transcode video codec",
        "The video codec the transcoder writes.",
    ),
    _p(
        "transcode_video_width",
        "int",
        "Transcode width",
        "The transcoded video's width, in pixels.",
    ),
    _p(
        "transcode_video_height",
        "int",
        "Transcode height",
        "The transcoded video's height, in pixels.",
    ),
    _p(
        "transcode_audio_codec",
        "str",
        "Transcode audio codec",
        "The audio codec the transcoder writes.",
    ),
    _p(
        "transcode_audio_channels",
        "float",
        "Transcode audio channels",
        "The number of audio channels the transcoder writes.",
    ),
    _p(
        "transcode_hw_requested",
        "int",
        "Hardware transcoding asked",
        "Whether hardware transcoding is enabled on the server;" + FLAG,
    ),
    _p(
        "transcode_hw_decoding",
        "int",
        "Hardware decoding",
        "Whether the transcoder decodes in hardware;" + FLAG,
    ),
    _p("transcode_hw_decode", "str", "Hardware decoder", "The hardware decoder's codec."),
    _p(
        "transcode_hw_decode_title",
        "str",
        "Hardware decoder name",
        "The hardware decoder's display name.",
    ),
    _p(
        "transcode_hw_encoding",
        "int",
        "Hardware encoding",
        "Whether the transcoder encodes in hardware;" + FLAG,
    ),
    _p("transcode_hw_encode", "str", "Hardware encoder", "The hardware encoder's codec."),
    _p(
        "transcode_hw_encode_title",
        "str",
        "Hardware encoder name",
        "The hardware encoder's display name.",
    ),
    _p("session_key", "str", "Session key", "PMS's number for this stream."),
    _p("transcode_key", "str", "Transcode key", "PMS's path of the transcoder session."),
    _p("session_id", "str", "Session id", "PMS's identifier for this stream."),
    _p("user_id", "int", "User id", "The user's Plex account id."),
    _p("machine_id", "str", "Player id", "The player's machine identifier."),
)

SOURCE = (
    _p(
        "media_type",
        "str",
        "Media type",
        "The item's type: movie, show, season, episode, artist, album, track, clip.",
    ),
    _p("extra_type", "str", "Extra type", "For an extra (clip): its kind, e.g. trailer."),
    _p("preroll", "int", "Pre-roll", "Whether the item is a cinema pre-roll;" + FLAG),
    _p("library_name", "str", "Library", "The name of the library holding the item."),
    _p(
        "title",
        "str",
        "Title",
        "The full title: 'Show - Episode' for episodes, 'Track - Artist' for tracks.",
    ),
    _p("edition_title", "str", "Edition", "The movie's edition (e.g. Director's Cut)."),
    _p("show_name", "str", "Show", "The show's title."),
    _p("season_name", "str", "Season", "The season's title."),
    _p("episode_name", "str", "Episode", "The episode's title."),
    _p("artist_name", "str", "Artist", "The artist's name."),
    _p("album_name", "str", "Album", "The album's title."),
    _p("track_name", "str", "Track", "The track's title."),
    _p(
        "track_artist",
        "str",
        "Track artist",
        "The artist of the track itself (may differ from the album's).",
    ),
    _p(
        "season_num",
        "int",
        "Season number",
        "The season number; for several seasons added together, a list of ranges (1-3,5).",
    ),
    _p(
        "season_num00",
        "int",
        "Season number (2 digits)",
        "The season number on two digits (01); ranges as season_num.",
    ),
    _p(
        "episode_num",
        "int",
        "Episode number",
        "The episode number; for several episodes added together, a list of ranges (1-4,7).",
    ),
    _p(
        "episode_num00",
        "int",
        "Episode number (2 digits)",
        "The episode number on two digits (01); ranges as episode_num.",
    ),
    _p("disc_num", "int", "Disc number", "The album's disc number."),
    _p("disc_num00", "int", "Disc number (2 digits)", "The disc number on two digits."),
    _p(
        "track_num",
        "int",
        "Track number",
        "The track number; for several tracks added together, a list of ranges.",
    ),
    _p(
        "track_num00",
        "int",
        "Track number (2 digits)",
        "The track number on two digits; ranges as track_num.",
    ),
    _p(
        "season_count",
        "int",
        "Seasons",
        "How many seasons the notification is about (recently added).",
    ),
    _p(
        "episode_count",
        "int",
        "Episodes",
        "How many episodes the notification is about (recently added).",
    ),
    _p(
        "album_count",
        "int",
        "Albums",
        "How many albums the notification is about (recently added).",
    ),
    _p(
        "track_count",
        "int",
        "Tracks",
        "How many tracks the notification is about (recently added).",
    ),
    _p("year", "int", "Year", "The item's release year."),
    _p("show_year", "int", "Show year", "The show's (or album's) release year."),
    _p(
        "release_date",
        "str",
        "Release date",
        "When the item was released, in the date format (Arrow tokens accepted).",
    ),
    _p(
        "air_date",
        "str",
        "Air date",
        "When the episode first aired, in the date format (Arrow tokens accepted).",
    ),
    _p(
        "added_date",
        "str",
        "Added date",
        "When the item was added to the library, in the date format.",
    ),
    _p(
        "updated_date",
        "str",
        "Updated date",
        "When the item was last updated in the library, in the date format.",
    ),
    _p(
        "last_viewed_date",
        "str",
        "Last viewed date",
        "When the item was last watched by the server owner, in the date format.",
    ),
    _p("studio", "str", "Studio", "The studio or network."),
    _p("content_rating", "str", "Content rating", "The age rating (e.g. PG-13, TV-MA)."),
    _p(
        "directors",
        "str",
        "Directors",
        "The directors, comma separated (list slicing accepted: {directors:[:2]}).",
    ),
    _p("writers", "str", "Writers", "The writers, comma separated (list slicing accepted)."),
    _p("actors", "str", "Actors", "The cast, comma separated (list slicing accepted)."),
    _p("genres", "str", "Genres", "The genres, comma separated (list slicing accepted)."),
    _p("labels", "str", "Labels", "The item's Plex labels, comma separated."),
    _p("collections", "str", "Collections", "The collections holding the item, comma separated."),
    _p("summary", "str", "Summary", "The item's synopsis."),
    _p("tagline", "str", "Tagline", "The movie's tagline."),
    _p("rating", "float", "Rating", "The item's rating out of 10 (critics', else audience's)."),
    _p(
        "critic_rating",
        "int",
        "Critic rating",
        "The Rotten Tomatoes critics' score in percent (0 to 100).",
    ),
    _p(
        "audience_rating",
        "float",
        "Audience rating",
        "The audience score: percent for Rotten Tomatoes/TMDb, else out of 10.",
    ),
    _p("user_rating", "float", "User rating", "The server owner's own rating, out of 10."),
    _p("duration", "int", "Length (min)", "The item's length, in whole minutes."),
    _p("duration_sec", "int", "Length (s)", "The item's length, in seconds."),
    _p("duration_ms", "int", "Length (ms)", "The item's length, in milliseconds."),
    _p(
        "duration_time",
        "str",
        "Length",
        "The item's length as a clock text in the time format (e.g. 02:30).",
    ),
    _p(
        "poster_url",
        "str",
        "Poster URL",
        "A public URL of the poster image (empty when none can be published).",
    ),
    _p("plex_id", "str", "Plex id", "The item's id in Plex's own database (from a plex:// guid)."),
    _p("plex_url", "str", "Plex Web link", "A link opening the item in Plex Web on this server."),
    _p("plex_slug", "str", "Plex slug", "The item's slug on Plex's watch site."),
    _p("plex_watch_url", "str", "Plex watch link", "A link to the movie or show on watch.plex.tv."),
    _p("imdb_id", "str", "IMDb id", "The IMDb id (tt...)."),
    _p("imdb_url", "str", "IMDb link", "A link to the item on IMDb."),
    _p("thetvdb_id", "int", "TheTVDB id", "TheTVDB id."),
    _p("thetvdb_url", "str", "TheTVDB link", "A link to the item on TheTVDB."),
    _p("themoviedb_id", "int", "TMDb id", "The Movie Database id."),
    _p("themoviedb_url", "str", "TMDb link", "A link to the item on The Movie Database."),
    _p("tvmaze_id", "int", "TVmaze id", "TVmaze id (needs an online lookup, not done here)."),
    _p(
        "tvmaze_url",
        "str",
        "TVmaze link",
        "A link to the show on TVmaze (needs an online lookup, not done here).",
    ),
    _p("musicbrainz_id", "str", "MusicBrainz id", "The MusicBrainz id."),
    _p("musicbrainz_url", "str", "MusicBrainz link", "A link to the item on MusicBrainz."),
    _p("anidb_id", "str", "AniDB id", "The AniDB id (HAMA agent guids)."),
    _p("anidb_url", "str", "AniDB link", "A link to the anime on AniDB."),
    _p("lastfm_url", "str", "Last.fm link", "A link to the music on Last.fm."),
    _p("trakt_url", "str", "Trakt link", "A link to search the item on Trakt."),
    _p("simkl_url", "str", "Simkl link", "A link to the item on Simkl."),
    *(_source_media(suffix) for suffix in _SOURCE_ORDER),
    _p("file", "str", "File path", "The full path of the library file."),
    _p("filename", "str", "File name", "The library file's name without its folder."),
    _p(
        "file_size",
        "str",
        "File size",
        "The file's size in readable units (e.g. 1.20 GB; 1 kB = 1024 bytes).",
    ),
    _p("file_size_bytes", "int", "File size (bytes)", "The file's size, in bytes."),
    _p("guid", "str", "Guid", "PMS's guid of the item (plex://... or the agent's)."),
    _p("section_id", "int", "Library id", "PMS's id of the library."),
    _p("rating_key", "int", "Rating key", "PMS's id of the movie, episode or track."),
    _p("parent_rating_key", "int", "Parent rating key", "PMS's id of the season or album."),
    _p(
        "grandparent_rating_key", "int", "Grandparent rating key", "PMS's id of the show or artist."
    ),
    _p("art", "str", "Background path", "PMS's path of the background image."),
    _p("thumb", "str", "Thumbnail path", "PMS's path of the item's thumbnail."),
    _p(
        "parent_thumb",
        "str",
        "Parent thumbnail path",
        "PMS's path of the season's or album's thumbnail.",
    ),
    _p(
        "grandparent_thumb",
        "str",
        "Grandparent thumbnail path",
        "PMS's path of the show's or artist's thumbnail.",
    ),
    _p("poster_thumb", "str", "Poster path", "PMS's path of the image used as the poster."),
    _p("poster_title", "str", "Poster title", "The title shown with the poster."),
    _p(
        "indexes",
        "int",
        "Preview thumbnails",
        "Whether PMS has seek preview thumbnails for the file;" + FLAG,
    ),
)

REMOTE_ACCESS = (
    _p(
        "remote_access_mapping_state",
        "str",
        "Port mapping state",
        "The state of the remote access port mapping (e.g. mapped, failed).",
    ),
    _p(
        "remote_access_mapping_error",
        "str",
        "Port mapping error",
        "The error of the remote access port mapping, if any.",
    ),
    _p(
        "remote_access_public_address",
        "str",
        "Public address",
        "The public IP address Plex sees for the server.",
    ),
    _p(
        "remote_access_public_port",
        "str",
        "Public port",
        "The public port mapped for remote access.",
    ),
    _p(
        "remote_access_private_address",
        "str",
        "Private address",
        "The server's address on the local network.",
    ),
    _p(
        "remote_access_private_port",
        "str",
        "Private port",
        "The server's port on the local network.",
    ),
    _p("remote_access_reason", "str", "Failure reason", "Why remote access is down."),
)

PMS_UPDATE = (
    _p("update_version", "str", "New PMS version", "The Plex Media Server version available."),
    _p("update_url", "str", "Download link", "Where to download the update."),
    _p(
        "update_release_date",
        "str",
        "Release date",
        "When the update was released, in the date format.",
    ),
    _p("update_channel", "str", "Update channel", "The update channel: Public or Beta."),
    _p("update_platform", "str", "Platform", "The platform the update is for."),
    _p("update_distro", "str", "Distribution", "The distribution the update is for."),
    _p("update_distro_build", "str", "Build", "The distribution build the update is for."),
    _p("update_requirements", "str", "Requirements", "What the update requires."),
    _p(
        "update_extra_info",
        "str",
        "Extra information",
        "Any other information Plex gives with the update.",
    ),
    _p("update_changelog_added", "str", "New features", "The update's list of additions."),
    _p("update_changelog_fixed", "str", "Fixes", "The update's list of fixes."),
)

TAUTULLI_UPDATE = (
    _p(
        "tautulli_update_version",
        "str",
        "New Tautulli version",
        "The Tautulli version available (never filled here, see the package notes).",
    ),
    _p("tautulli_update_release_url", "str", "Release page", "The release's page on GitHub."),
    _p("tautulli_update_exe", "str", "Windows installer", "The Windows installer's download link."),
    _p("tautulli_update_pkg", "str", "macOS package", "The macOS package's download link."),
    _p("tautulli_update_tar", "str", "Tarball", "The source tarball's download link."),
    _p("tautulli_update_zip", "str", "Zip archive", "The source zip's download link."),
    _p("tautulli_update_commit", "str", "Update commit", "The git commit of the update."),
    _p(
        "tautulli_update_behind", "int", "Commits behind", "How many commits the install is behind."
    ),
    _p("tautulli_update_changelog", "str", "Changelog", "The release notes of the update."),
)

CATEGORIES: tuple[tuple[str, tuple[Parameter, ...]], ...] = (
    ("Global", GLOBAL),
    ("Stream Details", STREAM),
    ("Source Metadata Details", SOURCE),
    ("Plex Remote Access", REMOTE_ACCESS),
    ("Plex Update Available", PMS_UPDATE),
    ("Tautulli Update Available", TAUTULLI_UPDATE),
)

PARAMETERS: tuple[Parameter, ...] = tuple(p for _, params in CATEGORIES for p in params)

PARAMETER_TYPES: dict[str, str] = {p.value: p.type for p in PARAMETERS}


def notifier_parameters() -> list[dict]:
    """``get_notifier_parameters``' data: ``[{"name", "type", "value"}]`` in catalog order."""
    return [{"name": p.name, "type": p.type, "value": p.value} for p in PARAMETERS]


def catalog() -> list[dict]:
    """The catalog for the admin's parameter reference:
    ``[{"category", "parameters": [{"name", "type", "value", "description"}]}]``."""
    return [
        {"category": category, "parameters": [p._asdict() for p in params]}
        for category, params in CATEGORIES
    ]
