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

Plays (rows grouped by ``reference_id``) are kept pre-aggregated in :class:`HistoryGroup`, with
its totals (:class:`HistoryGroupState`, :class:`HistoryGroupUserTotal`), by
:mod:`history.grouping`; triggers on the three tables above queue the plays to recompute
(:class:`HistoryGroupDirty`, :mod:`history.triggers`). On SQLite, a migration that rebuilds one of
those tables drops its triggers: it calls ``history.triggers.install_triggers`` again.

Units: ``started``/``stopped`` are aware UTC datetimes (the API answers epoch seconds, as
Tautulli does); ``view_offset`` and ``duration`` are milliseconds; ``paused_counter`` and
``play_duration`` are seconds.
"""

from django.db import models, transaction
from django.db.models import Q

from core.freshness import FreshManager, UnsyncedManager
from servers.columns import ItemColumns, LiveChannelColumns, MediaInfoColumns, item_keys
from servers.models import Server
from users.models import User

# Media types history is written for, and Tautulli's ``media_type=live`` pseudo filter.
LOGGED_MEDIA_TYPES = ("movie", "episode", "track")
# What brings the play groups (HistoryGroup and its totals) up to date.
SYNC_GROUPS = "history.grouping.sync_groups"


class HistoryQuerySet(models.QuerySet):
    def for_user(self, user_id: int):
        return self.filter(user_id=user_id)

    def for_server(self, server):
        return self.filter(server=server) if server is not None else self

    def purge(self) -> int:
        """Delete these rows with their metadata and media info; returns how many History rows
        were deleted.

        Three set-based DELETEs in one transaction (children first), rather than Django's
        collector, which would load every row of a heavy user into memory first.
        """
        with transaction.atomic():
            HistoryMetadata.objects.filter(history__in=self.values("pk")).delete()
            HistoryMediaInfo.objects.filter(history__in=self.values("pk")).delete()
            # Nothing else refers to History once its two 1:1 tables are gone.
            return self._raw_delete(self.db)


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
            # The partial first day of a user's watch-time window (stats.watch_stats).
            models.Index(fields=["user", "stopped"], name="history_user_stopped"),
            models.Index(fields=["server", "-started"]),
            models.Index(fields=["rating_key"]),
            # A season's or show's rows in a window's first month (stats.item_stats).
            models.Index(fields=["parent_rating_key", "stopped"], name="history_parent_stopped"),
            models.Index(fields=["grandparent_rating_key", "stopped"], name="history_gp_stopped"),
            models.Index(fields=["section_id", "-started"]),
            models.Index(fields=["media_type", "-started"]),
            models.Index(fields=["platform"]),
        ]

    def __str__(self):
        return (
            f"#{self.pk} {self.username or f'user {self.user_id}'} {self.started:%Y-%m-%d %H:%M}"
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


class HistoryMetadata(ItemColumns, item_keys(blank=False), LiveChannelColumns):
    """The played item's metadata at play time (``session_history_metadata``), 1:1 with History.

    Lists (directors, writers, actors, genres, labels) are ``;``-joined text, as in Tautulli.
    ``marker_credits_first``/``_final`` are credits marker offsets in ms (watched rule, 3.6).
    The titles, keys, images and live TV channel it shares with the live session are declared
    in :mod:`servers.columns`.
    """

    history = models.OneToOneField(
        History, primary_key=True, db_column="id", on_delete=models.CASCADE, related_name="metadata"
    )
    art = models.TextField(null=True, blank=True)
    added_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    last_viewed_at = models.DateTimeField(null=True)
    content_rating = models.TextField(null=True, blank=True)
    summary = models.TextField(null=True, blank=True)
    tagline = models.TextField(null=True, blank=True)
    rating = models.TextField(null=True, blank=True)
    duration = models.IntegerField(default=0, null=True, help_text="milliseconds")
    directors = models.TextField(null=True, blank=True)
    writers = models.TextField(null=True, blank=True)
    actors = models.TextField(null=True, blank=True)
    genres = models.TextField(null=True, blank=True)
    studio = models.TextField(null=True, blank=True)
    labels = models.TextField(null=True, blank=True)
    live = models.BooleanField(default=False)
    marker_credits_first = models.IntegerField(null=True)
    marker_credits_final = models.IntegerField(null=True)

    class Meta:
        verbose_name_plural = "history metadata"
        indexes = [
            models.Index(fields=["rating_key"]),
            models.Index(fields=["guid"]),
            models.Index(fields=["live"], name="history_meta_live", condition=Q(live=True)),
        ]


class HistoryMediaInfo(MediaInfoColumns):
    """Source, stream and transcode details of a logged stream (``session_history_media_info``).

    ``transcode_decision`` is ``direct play``, ``copy`` (direct stream) or ``transcode``.
    The source, stream, transcode and version columns it shares with the live session are
    declared in :mod:`servers.columns` (:class:`~servers.columns.MediaInfoColumns`).
    """

    history = models.OneToOneField(
        History,
        primary_key=True,
        db_column="id",
        on_delete=models.CASCADE,
        related_name="media_info",
    )
    rating_key = models.IntegerField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True)
    video_bit_depth = models.IntegerField(null=True, blank=True)
    video_codec_level = models.TextField(null=True, blank=True)
    transcode_hw_requested = models.IntegerField(null=True, blank=True)
    transcode_hw_full_pipeline = models.IntegerField(null=True, blank=True)
    transcode_hw_decode = models.TextField(null=True, blank=True)
    transcode_hw_decode_title = models.TextField(null=True, blank=True)
    transcode_hw_encode = models.TextField(null=True, blank=True)
    transcode_hw_encode_title = models.TextField(null=True, blank=True)
    stream_video_codec_level = models.TextField(null=True, blank=True)
    stream_video_bit_depth = models.IntegerField(null=True, blank=True)
    stream_subtitle_container = models.TextField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "history media info"
        indexes = [models.Index(fields=["transcode_decision"])]


class HistoryGroup(models.Model):
    """One play: the History rows that share a ``reference_id``, pre-aggregated (reference 1.3, 3.6).

    Derived data, never written by hand: :mod:`history.grouping` recomputes a group whenever one of
    its rows changes. Database triggers on the three history tables queue the changed groups in
    :class:`HistoryGroupDirty` (so any writer — ORM, bulk COPY, raw SQL — is covered), and
    ``objects`` runs :func:`history.grouping.sync_groups` before a read (once per read scope, see
    :mod:`core.freshness`): readers never call it. :mod:`history.grouping` itself, which
    maintains the table, uses ``unsynced``.

    The group key is ``COALESCE(reference_id, id)`` (a row without reference_id is a play of its
    own). Times are epoch **seconds** (as the API answers them, and so that they sort in indexes);
    ``play_duration`` and ``paused_counter`` are seconds; ``percent_complete`` is Tautulli's
    ``MAX(view_offset / metadata.duration × 100)`` before rounding.

    The filterable columns (``user_id`` … ``transcode_decision``) hold the latest row's values;
    ``mixed`` says which of them are *not* the same on every row of the group (``MIXED_*`` bits).
    A filter on a column that is uniform in a group keeps or drops the whole group, so it can be
    answered from this table alone; a group that is mixed for a filtered column is recomputed from
    its rows (see :mod:`history.table.sources`). The trigram index ``hgroup_search_trgm`` on
    ``UPPER(search_text)`` is created by the migration on PostgreSQL when pg_trgm is available.
    """

    MIXED_USER = 1  # user_id or user (username)
    MIXED_ITEM = 2  # server, section, media type/live, rating keys, guid
    MIXED_DECISION = 4  # transcode_decision
    MIXED_ALL = MIXED_USER | MIXED_ITEM | MIXED_DECISION

    reference_id = models.BigIntegerField(primary_key=True)
    latest = models.ForeignKey(
        History,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,
        help_text="The row with the highest id: the one whose fields the API shows.",
    )
    server_id = models.BigIntegerField(null=True)
    user_id = models.BigIntegerField(null=True)
    username = models.TextField(null=True)
    section_id = models.IntegerField(null=True)
    media_type = models.TextField(null=True, help_text="'live' for live TV, else the media type")
    rating_key = models.IntegerField(null=True)
    parent_rating_key = models.IntegerField(null=True)
    grandparent_rating_key = models.IntegerField(null=True)
    guid = models.TextField(null=True)
    transcode_decision = models.TextField(null=True)
    mixed = models.SmallIntegerField(default=0)
    date = models.BigIntegerField(help_text="MAX(started), epoch seconds")
    started = models.BigIntegerField(help_text="MIN(started), epoch seconds")
    stopped = models.BigIntegerField(null=True, help_text="MAX(stopped), epoch seconds")
    play_duration = models.BigIntegerField(help_text="seconds, Σ(stopped − started − paused)")
    paused_counter = models.BigIntegerField(help_text="seconds")
    group_count = models.IntegerField()
    percent_complete = models.FloatField(null=True)
    search_text = models.TextField(
        help_text="The latest row's full_title, ip_address, platform, product and player, "
        "joined by U+001F: what get_history's search looks into (with the user's name)."
    )

    objects = FreshManager(SYNC_GROUPS)  # up to date when read
    unsynced = UnsyncedManager()  # as stored: for history.grouping, which maintains the table

    class Meta:
        # Sorted by date for each filter get_history answers from this table. The trailing
        # play_duration (and started) let PostgreSQL count, sum and find the plays cut by a date
        # from the index alone (trailing keys rather than INCLUDE, which SQLite does not have).
        indexes = [
            models.Index(
                fields=["-date", "-reference_id", "play_duration", "started"], name="hgroup_date"
            ),
            models.Index(
                fields=["user_id", "-date", "-reference_id", "play_duration"],
                name="hgroup_user_date",
            ),
            # Plays cut by a date boundary p: started < p <= date.
            models.Index(fields=["started", "date"], name="hgroup_started_date"),
            models.Index(
                fields=["section_id", "-date", "-reference_id", "play_duration"],
                name="hgroup_section_date",
            ),
            models.Index(
                fields=["media_type", "-date", "-reference_id", "play_duration"],
                name="hgroup_media_type_date",
            ),
            models.Index(
                fields=["transcode_decision", "-date", "-reference_id", "play_duration"],
                name="hgroup_decision_date",
            ),
            models.Index(fields=["server_id", "-date"], name="hgroup_server_date"),
            models.Index(fields=["rating_key"], name="hgroup_rating_key"),
            # An item's plays by last stop (get_item_watch_time_stats' first months).
            models.Index(fields=["parent_rating_key", "stopped"], name="hgroup_parent_stopped"),
            models.Index(fields=["grandparent_rating_key", "stopped"], name="hgroup_gp_stopped"),
            models.Index(fields=["username"], name="hgroup_username"),
            # The few plays whose rows differ in a filtered column.
            models.Index(
                fields=["mixed", "reference_id"], name="hgroup_mixed", condition=Q(mixed__gt=0)
            ),
        ]

    def __str__(self):
        return f"play {self.reference_id} ({self.group_count} rows)"


class HistoryGroupState(models.Model):
    """Totals over :class:`HistoryGroup`, kept with it (one row, id 1).

    ``rows`` = Σ group_count (= number of History rows), ``groups`` = number of plays,
    ``play_duration`` = Σ seconds. Kept up to date by :mod:`history.grouping` (managers as
    :class:`HistoryGroup`'s).
    """

    rows = models.BigIntegerField(default=0)
    groups = models.BigIntegerField(default=0)
    play_duration = models.BigIntegerField(default=0)

    objects = FreshManager(SYNC_GROUPS)
    unsynced = UnsyncedManager()


class HistoryGroupUserTotal(models.Model):
    """Per user: the plays of :class:`HistoryGroup` whose rows are all that user's (not
    ``MIXED_USER``), counted and summed — get_history's ``user_id`` filter without reading
    the user's plays. Kept with the groups by :mod:`history.grouping` (managers as
    :class:`HistoryGroup`'s)."""

    user_id = models.BigIntegerField(primary_key=True)
    groups = models.BigIntegerField(default=0)
    play_duration = models.BigIntegerField(default=0, help_text="seconds")

    objects = FreshManager(SYNC_GROUPS)
    unsynced = UnsyncedManager()


class HistoryGroupDirty(models.Model):
    """Group keys whose rows changed since :class:`HistoryGroup` was computed (filled by triggers)."""

    reference_id = models.BigIntegerField(primary_key=True)
