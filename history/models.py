"""Watch history: one row per logged stream, grouped into plays by ``reference_id``.

Kept as Tautulli keeps it, in three tables that share their primary key (1:1):

* :class:`History` (``session_history``): who, when, where, how long; the columns that every list,
  filter and statistic reads, so it stays narrow and its indexes small.
* :class:`HistoryMetadata` (``session_history_metadata``): titles, indexes, thumbs and the item's
  descriptive metadata at the time of the play.
* :class:`HistoryMediaInfo` (``session_history_media_info``): source, stream and transcode details.

Keeping the split (rather than one 145-column table) means a scan over millions of history rows
for grouping or statistics reads only the narrow table; a page of results joins the other two for
its 25 rows. It also makes a Tautulli import a column-for-column copy, so nothing is lost.

Units: ``started``/``stopped`` are aware UTC datetimes (the API answers epoch seconds, as
Tautulli does); ``view_offset`` and ``duration`` are milliseconds; ``paused_counter`` and
``play_duration`` are seconds.
"""

from django.db import models
from django.db.models import Q

from plex.models import Server
from users.models import User

# Media types history is written for, and Tautulli's ``media_type=live`` pseudo filter.
LOGGED_MEDIA_TYPES = ("movie", "episode", "track")


class HistoryQuerySet(models.QuerySet):
    def for_user(self, user_id: int):
        return self.filter(user_id=user_id)

    def for_server(self, server):
        return self.filter(server=server) if server is not None else self


class History(models.Model):
    """One logged stream (Tautulli's ``session_history`` row).

    ``reference_id`` is the id of the first row of the play this row continues (Tautulli grouping
    rule, reference section 3.6); it equals ``id`` for a row that starts a play.
    ``play_duration`` is stored on write: ``stopped − started − paused_counter`` in seconds
    (reference section 6.1), so that sums over millions of rows need no date arithmetic in SQL.
    """

    id = models.BigAutoField(primary_key=True)
    server = models.ForeignKey(Server, on_delete=models.PROTECT, related_name="history")
    reference_id = models.BigIntegerField(null=True)
    started = models.DateTimeField(null=True)
    stopped = models.DateTimeField(null=True)
    play_duration = models.IntegerField(default=0, help_text="seconds")
    rating_key = models.IntegerField(null=True)
    parent_rating_key = models.IntegerField(null=True)
    grandparent_rating_key = models.IntegerField(null=True)
    user = models.ForeignKey(
        User,
        to_field="user_id",
        db_column="user_id",
        on_delete=models.PROTECT,
        null=True,
        related_name="history",
    )
    username = models.TextField(null=True, blank=True, help_text="Tautulli's 'user' at play time")
    ip_address = models.TextField(null=True, blank=True)
    paused_counter = models.IntegerField(default=0, help_text="seconds")
    player = models.TextField(null=True, blank=True)
    product = models.TextField(null=True, blank=True)
    product_version = models.TextField(null=True, blank=True)
    platform = models.TextField(null=True, blank=True)
    platform_version = models.TextField(null=True, blank=True)
    profile = models.TextField(null=True, blank=True)
    machine_id = models.TextField(null=True, blank=True)
    bandwidth = models.IntegerField(null=True, blank=True)
    location = models.TextField(null=True, blank=True)
    quality_profile = models.TextField(null=True, blank=True)
    secure = models.BooleanField(null=True)
    relayed = models.BooleanField(null=True)
    media_type = models.TextField(null=True, blank=True)
    section_id = models.IntegerField(null=True)
    view_offset = models.IntegerField(default=0, null=True, help_text="milliseconds")

    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "history"
        ordering = ["-started"]
        indexes = [
            models.Index(fields=["reference_id"]),
            models.Index(fields=["-started"]),
            models.Index(fields=["stopped"]),
            models.Index(fields=["user", "-started"]),
            models.Index(fields=["server", "-started"]),
            models.Index(fields=["rating_key"]),
            models.Index(fields=["parent_rating_key"]),
            models.Index(fields=["grandparent_rating_key"]),
            models.Index(fields=["section_id", "-started"]),
            models.Index(fields=["media_type", "-started"]),
            models.Index(fields=["platform"]),
        ]

    def __str__(self):
        return (
            f"#{self.pk} {self.username} {self.started:%Y-%m-%d %H:%M}"
            if self.started
            else str(self.pk)
        )

    @staticmethod
    def compute_play_duration(started_epoch, stopped_epoch, paused_counter) -> int:
        """Tautulli's row duration in seconds (reference 6.1): ``stopped − started − paused``.

        ``stopped`` of 0/None counts as 0, as in Tautulli's ``CASE WHEN stopped > 0``.
        """
        played = (stopped_epoch - started_epoch) if stopped_epoch and started_epoch else 0
        return played - (paused_counter or 0)


class HistoryMetadata(models.Model):
    """The played item's metadata at play time (``session_history_metadata``), 1:1 with History.

    Lists (directors, writers, actors, genres, labels) are ``;``-joined text, as in Tautulli.
    ``marker_credits_first``/``_final`` are credits marker offsets in ms (watched rule, 3.6).
    """

    history = models.OneToOneField(
        History, primary_key=True, db_column="id", on_delete=models.CASCADE, related_name="metadata"
    )
    rating_key = models.IntegerField(null=True)
    parent_rating_key = models.IntegerField(null=True)
    grandparent_rating_key = models.IntegerField(null=True)
    title = models.TextField(null=True, blank=True)
    parent_title = models.TextField(null=True, blank=True)
    grandparent_title = models.TextField(null=True, blank=True)
    original_title = models.TextField(null=True, blank=True)
    full_title = models.TextField(null=True, blank=True)
    media_index = models.IntegerField(null=True)
    parent_media_index = models.IntegerField(null=True)
    thumb = models.TextField(null=True, blank=True)
    parent_thumb = models.TextField(null=True, blank=True)
    grandparent_thumb = models.TextField(null=True, blank=True)
    art = models.TextField(null=True, blank=True)
    media_type = models.TextField(null=True, blank=True)
    year = models.IntegerField(null=True)
    originally_available_at = models.TextField(null=True, blank=True)
    added_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    last_viewed_at = models.DateTimeField(null=True)
    content_rating = models.TextField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    tagline = models.TextField(null=True, blank=True)
    rating = models.TextField(null=True, blank=True)
    duration = models.IntegerField(default=0, null=True, help_text="milliseconds")
    guid = models.TextField(null=True, blank=True)
    directors = models.TextField(null=True, blank=True)
    writers = models.TextField(null=True, blank=True)
    actors = models.TextField(null=True, blank=True)
    genres = models.TextField(null=True, blank=True)
    studio = models.TextField(null=True, blank=True)
    labels = models.TextField(null=True, blank=True)
    live = models.BooleanField(default=False)
    channel_call_sign = models.TextField(null=True, blank=True)
    channel_id = models.TextField(null=True, blank=True)
    channel_identifier = models.TextField(null=True, blank=True)
    channel_title = models.TextField(null=True, blank=True)
    channel_thumb = models.TextField(null=True, blank=True)
    channel_vcn = models.TextField(null=True, blank=True)
    marker_credits_first = models.IntegerField(null=True)
    marker_credits_final = models.IntegerField(null=True)

    class Meta:
        verbose_name_plural = "history metadata"
        indexes = [
            models.Index(fields=["rating_key"]),
            models.Index(fields=["guid"]),
            models.Index(fields=["live"], name="history_meta_live", condition=Q(live=True)),
        ]


class HistoryMediaInfo(models.Model):
    """Source, stream and transcode details of a logged stream (``session_history_media_info``).

    ``transcode_decision`` is ``direct play``, ``copy`` (direct stream) or ``transcode``.
    """

    history = models.OneToOneField(
        History,
        primary_key=True,
        db_column="id",
        on_delete=models.CASCADE,
        related_name="media_info",
    )
    rating_key = models.IntegerField(null=True, blank=True)
    video_decision = models.TextField(null=True, blank=True)
    audio_decision = models.TextField(null=True, blank=True)
    transcode_decision = models.TextField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True)
    container = models.TextField(null=True, blank=True)
    bitrate = models.IntegerField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    video_bitrate = models.IntegerField(null=True, blank=True)
    video_bit_depth = models.IntegerField(null=True, blank=True)
    video_codec = models.TextField(null=True, blank=True)
    video_codec_level = models.TextField(null=True, blank=True)
    video_width = models.IntegerField(null=True, blank=True)
    video_height = models.IntegerField(null=True, blank=True)
    video_resolution = models.TextField(null=True, blank=True)
    video_framerate = models.TextField(null=True, blank=True)
    video_scan_type = models.TextField(null=True, blank=True)
    video_full_resolution = models.TextField(null=True, blank=True)
    video_dynamic_range = models.TextField(null=True, blank=True)
    aspect_ratio = models.TextField(null=True, blank=True)
    audio_bitrate = models.IntegerField(null=True, blank=True)
    audio_codec = models.TextField(null=True, blank=True)
    audio_channels = models.IntegerField(null=True, blank=True)
    audio_language = models.TextField(null=True, blank=True)
    audio_language_code = models.TextField(null=True, blank=True)
    subtitles = models.IntegerField(null=True, blank=True)
    subtitle_codec = models.TextField(null=True, blank=True)
    subtitle_forced = models.IntegerField(null=True, blank=True)
    subtitle_language = models.TextField(null=True, blank=True)
    transcode_protocol = models.TextField(null=True, blank=True)
    transcode_container = models.TextField(null=True, blank=True)
    transcode_video_codec = models.TextField(null=True, blank=True)
    transcode_audio_codec = models.TextField(null=True, blank=True)
    transcode_audio_channels = models.IntegerField(null=True, blank=True)
    transcode_width = models.IntegerField(null=True, blank=True)
    transcode_height = models.IntegerField(null=True, blank=True)
    transcode_hw_requested = models.IntegerField(null=True, blank=True)
    transcode_hw_full_pipeline = models.IntegerField(null=True, blank=True)
    transcode_hw_decode = models.TextField(null=True, blank=True)
    transcode_hw_decode_title = models.TextField(null=True, blank=True)
    transcode_hw_decoding = models.IntegerField(null=True, blank=True)
    transcode_hw_encode = models.TextField(null=True, blank=True)
    transcode_hw_encode_title = models.TextField(null=True, blank=True)
    transcode_hw_encoding = models.IntegerField(null=True, blank=True)
    stream_container = models.TextField(null=True, blank=True)
    stream_container_decision = models.TextField(null=True, blank=True)
    stream_bitrate = models.IntegerField(null=True, blank=True)
    stream_video_decision = models.TextField(null=True, blank=True)
    stream_video_bitrate = models.IntegerField(null=True, blank=True)
    stream_video_codec = models.TextField(null=True, blank=True)
    stream_video_codec_level = models.TextField(null=True, blank=True)
    stream_video_bit_depth = models.IntegerField(null=True, blank=True)
    stream_video_height = models.IntegerField(null=True, blank=True)
    stream_video_width = models.IntegerField(null=True, blank=True)
    stream_video_resolution = models.TextField(null=True, blank=True)
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
    stream_subtitle_decision = models.TextField(null=True, blank=True)
    stream_subtitle_codec = models.TextField(null=True, blank=True)
    stream_subtitle_container = models.TextField(null=True, blank=True)
    stream_subtitle_forced = models.IntegerField(null=True, blank=True)
    stream_subtitle_language = models.TextField(null=True, blank=True)
    synced_version = models.IntegerField(null=True, blank=True)
    synced_version_profile = models.TextField(null=True, blank=True)
    optimized_version = models.IntegerField(null=True, blank=True)
    optimized_version_profile = models.TextField(null=True, blank=True)
    optimized_version_title = models.TextField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "history media info"
        indexes = [models.Index(fields=["transcode_decision"])]
