"""The Plex item and stream columns that a live session and its history both keep, declared once.

Tautulli repeats these columns in ``sessions`` (:class:`servers.models.Session`) and in the
history tables ``session_history_metadata`` / ``session_history_media_info``
(:class:`history.models.HistoryMetadata` / :class:`~history.models.HistoryMediaInfo`), under the
same names, so that a stopped stream is copied into history column for column. Each group is an
abstract model mixin; the models add their own columns (the history tables have more) and their
own options where they differ (see :func:`item_keys`). Mixing them in changes no table: the
columns, their types and their options are the ones each table always had.

Every column is nullable, as in Tautulli (a value PMS did not give stays NULL, apart from ""):
text columns hold PMS's attribute text, integer columns numbers; bitrates are kbps, sizes
pixels, 0/1 integers are flags.
"""

from django.db import models


class ItemColumns(models.Model):
    """What the played item is: its type, titles, images, date and guid.

    ``media_type`` is PMS's type (``movie``, ``episode``, ``track``, ``clip``...);
    ``full_title`` is Tautulli's display title ("Show - Episode", "Track - Artist");
    ``original_title`` a track's artist when it differs from the album's; thumbs are PMS image
    paths (``/library/metadata/<rating key>/thumb/<epoch>``); ``originally_available_at`` is
    ``YYYY-MM-DD``; ``guid`` PMS's ``plex://…`` (or agent) guid.
    """

    media_type = models.TextField(null=True, blank=True)
    title = models.TextField(null=True, blank=True)
    parent_title = models.TextField(null=True, blank=True)
    grandparent_title = models.TextField(null=True, blank=True)
    original_title = models.TextField(null=True, blank=True)
    full_title = models.TextField(null=True, blank=True)
    thumb = models.TextField(null=True, blank=True)
    parent_thumb = models.TextField(null=True, blank=True)
    grandparent_thumb = models.TextField(null=True, blank=True)
    originally_available_at = models.TextField(null=True, blank=True)
    guid = models.TextField(null=True, blank=True)

    class Meta:
        abstract = True


def item_keys(*, blank: bool = True) -> type[models.Model]:
    """The mixin of the item's numbers: its rating keys (the item's, its parent's — season or
    album — and grandparent's — show or artist), ``media_index`` (episode or track number),
    ``parent_media_index`` (season or disc number) and ``year``, all integers.

    ``blank``: whether a form may leave them empty; the history metadata table's say no (its
    fields always did), the live session's yes.
    """

    class ItemKeys(models.Model):
        rating_key = models.IntegerField(null=True, blank=blank)
        parent_rating_key = models.IntegerField(null=True, blank=blank)
        grandparent_rating_key = models.IntegerField(null=True, blank=blank)
        media_index = models.IntegerField(null=True, blank=blank)
        parent_media_index = models.IntegerField(null=True, blank=blank)
        year = models.IntegerField(null=True, blank=blank)

        class Meta:
            abstract = True

    return ItemKeys


class LiveChannelColumns(models.Model):
    """The live TV channel of a live stream (the ``channel*`` attributes of PMS's ``<Media>``):
    call sign, id, identifier, title, thumb and virtual channel number (``vcn``)."""

    channel_call_sign = models.TextField(null=True, blank=True)
    channel_id = models.TextField(null=True, blank=True)
    channel_identifier = models.TextField(null=True, blank=True)
    channel_title = models.TextField(null=True, blank=True)
    channel_thumb = models.TextField(null=True, blank=True)
    channel_vcn = models.TextField(null=True, blank=True)

    class Meta:
        abstract = True


class SourceMediaColumns(models.Model):
    """The source: the library's file that is played (its ``<Media>`` and streams).

    ``video_resolution`` is PMS's without the scan letter ("1080", "4k", "sd"),
    ``video_full_resolution`` with it ("1080p"); ``video_framerate`` PMS's ("24p", "NTSC");
    ``video_dynamic_range`` "SDR", "HDR10", "Dolby Vision"...; ``subtitle_forced`` 0/1.
    """

    container = models.TextField(null=True, blank=True)
    bitrate = models.IntegerField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    aspect_ratio = models.TextField(null=True, blank=True)
    video_codec = models.TextField(null=True, blank=True)
    video_bitrate = models.IntegerField(null=True, blank=True)
    video_resolution = models.TextField(null=True, blank=True)
    video_width = models.IntegerField(null=True, blank=True)
    video_height = models.IntegerField(null=True, blank=True)
    video_framerate = models.TextField(null=True, blank=True)
    video_scan_type = models.TextField(null=True, blank=True)
    video_full_resolution = models.TextField(null=True, blank=True)
    video_dynamic_range = models.TextField(null=True, blank=True)
    audio_codec = models.TextField(null=True, blank=True)
    audio_bitrate = models.IntegerField(null=True, blank=True)
    audio_channels = models.IntegerField(null=True, blank=True)
    audio_language = models.TextField(null=True, blank=True)
    audio_language_code = models.TextField(null=True, blank=True)
    subtitle_codec = models.TextField(null=True, blank=True)
    subtitle_forced = models.IntegerField(null=True, blank=True)
    subtitle_language = models.TextField(null=True, blank=True)

    class Meta:
        abstract = True


class StreamColumns(models.Model):
    """The stream: what PMS sends the player (the ``selected`` media, part and streams).

    Decisions are "direct play", "copy" (direct stream) or "transcode"; ``transcode_decision``
    is the stream's overall one (transcode if any part is, else copy if any is). ``subtitles``
    is 1 when a subtitle stream is shown; ``stream_subtitle_forced`` 0/1.
    """

    video_decision = models.TextField(null=True, blank=True)
    audio_decision = models.TextField(null=True, blank=True)
    transcode_decision = models.TextField(null=True, blank=True)
    stream_bitrate = models.IntegerField(null=True, blank=True)
    stream_video_resolution = models.TextField(null=True, blank=True)
    stream_container_decision = models.TextField(null=True, blank=True)
    stream_container = models.TextField(null=True, blank=True)
    stream_video_decision = models.TextField(null=True, blank=True)
    stream_video_codec = models.TextField(null=True, blank=True)
    stream_video_bitrate = models.IntegerField(null=True, blank=True)
    stream_video_width = models.IntegerField(null=True, blank=True)
    stream_video_height = models.IntegerField(null=True, blank=True)
    stream_video_framerate = models.TextField(null=True, blank=True)
    stream_video_scan_type = models.TextField(null=True, blank=True)
    stream_video_full_resolution = models.TextField(null=True, blank=True)
    stream_video_dynamic_range = models.TextField(null=True, blank=True)
    stream_audio_decision = models.TextField(null=True, blank=True)
    stream_audio_codec = models.TextField(null=True, blank=True)
    stream_audio_bitrate = models.IntegerField(null=True, blank=True)
    stream_audio_channels = models.IntegerField(null=True, blank=True)
    stream_audio_language = models.TextField(null=True, blank=True)
    stream_audio_language_code = models.TextField(null=True, blank=True)
    subtitles = models.IntegerField(null=True, blank=True)
    stream_subtitle_decision = models.TextField(null=True, blank=True)
    stream_subtitle_codec = models.TextField(null=True, blank=True)
    stream_subtitle_forced = models.IntegerField(null=True, blank=True)
    stream_subtitle_language = models.TextField(null=True, blank=True)

    class Meta:
        abstract = True


class TranscodeColumns(models.Model):
    """PMS's transcoder for the stream (``<TranscodeSession>``), empty without one: protocol,
    container, codecs and audio channels it outputs, the size in pixels, and whether it decodes
    and encodes in hardware (0/1)."""

    transcode_protocol = models.TextField(null=True, blank=True)
    transcode_container = models.TextField(null=True, blank=True)
    transcode_video_codec = models.TextField(null=True, blank=True)
    transcode_audio_codec = models.TextField(null=True, blank=True)
    transcode_audio_channels = models.IntegerField(null=True, blank=True)
    transcode_width = models.IntegerField(null=True, blank=True)
    transcode_height = models.IntegerField(null=True, blank=True)
    transcode_hw_decoding = models.IntegerField(null=True, blank=True)
    transcode_hw_encoding = models.IntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class VersionColumns(models.Model):
    """Whether the played media is an optimized version (0/1, with PMS's profile and title) or
    a synced copy (0/1, with its profile)."""

    optimized_version = models.IntegerField(null=True, blank=True)
    optimized_version_profile = models.TextField(null=True, blank=True)
    optimized_version_title = models.TextField(null=True, blank=True)
    synced_version = models.IntegerField(null=True, blank=True)
    synced_version_profile = models.TextField(null=True, blank=True)

    class Meta:
        abstract = True


class MediaInfoColumns(SourceMediaColumns, StreamColumns, TranscodeColumns, VersionColumns):
    """Source, stream, transcoder and version: the media info a session and its history keep."""

    class Meta:
        abstract = True
