"""Daily rollups of watch history: what the graphs, home stats and dashboard read.

Derived data, never edited by hand: :mod:`stats.rollup` rebuilds it from History and keeps it
current as history changes (every change of history reaches it through the play groups, see
:func:`stats.rollup.sync_rollup`). Readers use ``objects`` (:func:`rollup_manager`), which brings
the rollups up to date before a read, once per read scope (:mod:`core.freshness`); the code that
maintains them uses ``unsynced``.

The counting unit is the **day-play**: the rows of one play (``COALESCE(reference_id, id)``,
reference 3.6) that started on one local date (``settings.TIME_ZONE``). Tautulli's graphs count
``GROUP BY <bucket>, reference_id`` (reference 6.1); per date that is exactly a day-play.
A day-play takes its dimensions (user, section, platform, decision, resolutions, title…) from
its **latest row** (highest id) — the row SQLite's bare columns give in Tautulli — and its
``hour`` is the local hour its first row started (the hour the play began that day).

Counters of every table:

* ``plays``: day-plays; ``rows``: History rows (the ungrouped count).
* ``first_plays``: day-plays that are their play's first (the play began that day): summed over a
  window, a play counts once however many days it spans — the window-level statistics (top 10
  graphs, home stats) count these.
* ``month_plays`` (DailyPlays only): day-plays that are their play's first in that local month.
* ``duration``: seconds, Σ(stopped − started − paused_counter) of the rows (reference 6.1).
* ``last_started`` / ``last_history_id``: the latest start (epoch s) and row id among them.

Rows have a ``period``: ``d`` is one local date; ``m`` rows (date = first of the month) are the sum
of that month's ``d`` rows, and ``t`` rows (DailyItems, DailyStreams) the same over all users
(user_id NULL), so that a long window reads one row per month instead of thirty. Every counter is additive (or a
maximum), so a window is its whole months' ``m``/``t`` rows plus its other days' ``d`` rows
(:meth:`stats.window.StatsWindow.rollup_q`).

Dates are local calendar dates; ``*_at`` epochs are seconds (UTC).
"""

from django.db import models

from core.freshness import FreshManager, UnsyncedManager
from libraries.models import LibraryMedia

MEDIA_COLUMNS = ("media_type", "live")


def rollup_manager() -> FreshManager:
    """``objects`` of a rollup table: syncs the rollups (and so the play groups) before a read."""
    return FreshManager("stats.rollup.sync_rollup", covers=("history.grouping.sync_groups",))


class RollupBase(models.Model):
    """The columns every rollup table shares: the period and date, the dimensions (server,
    user, section, media type, live) and the counters (see the module docstring)."""

    DAY, MONTH, MONTH_ALL_USERS = "d", "m", "t"

    period = models.CharField(
        max_length=1,
        default=DAY,
        help_text="d: one local date; m: the month starting at date (sum of its d rows); "
        "t: the same month over all users (user_id NULL; DailyItems and DailyStreams)",
    )
    date = models.DateField(help_text="local date the day-play started (first day of a month)")
    server_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True)
    section_id = models.IntegerField(null=True)
    media_type = models.TextField(
        default="", help_text="movie, episode, track (History.media_type)"
    )
    live = models.BooleanField(default=False)
    plays = models.IntegerField(default=0)
    rows = models.IntegerField(default=0)
    duration = models.BigIntegerField(default=0, help_text="seconds")
    last_started = models.BigIntegerField(default=0, help_text="epoch seconds of the latest start")
    last_history_id = models.BigIntegerField(default=0, help_text="id of the latest row")

    objects = rollup_manager()  # up to date when read
    unsynced = UnsyncedManager()  # as stored: for stats.rollup, which maintains the table

    class Meta:
        abstract = True


class DailyPlays(RollupBase):
    """Per local date, server, user, section and media type: the time series of plays."""

    first_plays = models.IntegerField(default=0)
    month_plays = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily plays"
        indexes = [
            models.Index(fields=["period", "date"], name="stats_daily_date"),
            models.Index(fields=["period", "user_id", "date"], name="stats_daily_user"),
            models.Index(fields=["period", "section_id", "date"], name="stats_daily_section"),
        ]


class HourlyPlays(RollupBase):
    """Per local date and local hour (0–23) the day-play began: the hour-of-day graph."""

    hour = models.SmallIntegerField()

    class Meta:
        verbose_name_plural = "hourly plays"
        indexes = [
            models.Index(fields=["period", "date"], name="stats_hourly_date"),
            models.Index(fields=["period", "user_id", "date"], name="stats_hourly_user"),
        ]


class DailyStreams(RollupBase):
    """Per local date and the stream's platform, transcode decision and resolutions."""

    first_plays = models.IntegerField(default=0)
    platform = models.TextField(default="")
    transcode_decision = models.TextField(
        default="", help_text="direct play, copy (direct stream) or transcode"
    )
    source_resolution = models.TextField(default="", help_text="video_full_resolution")
    stream_resolution = models.TextField(
        default="", help_text="resolution streamed (Tautulli's rule, see stats.rollup)"
    )

    class Meta:
        verbose_name_plural = "daily streams"
        indexes = [
            models.Index(fields=["period", "date"], name="stats_streams_date"),
            models.Index(fields=["period", "user_id", "date"], name="stats_streams_user"),
        ]


class DailyItems(RollupBase):
    """Per local date and watched title: the home stats' top/popular cards.

    ``title`` is Tautulli's card key: a movie's ``full_title`` (with ``year``), a show's
    ``grandparent_title``, a track's artist (``original_title``, with ``grandparent_title`` in
    ``parent_title``). ``last_started`` is the epoch of the latest row's start,
    ``last_history_id`` that row's id (the card shows its fields).
    """

    first_plays = models.IntegerField(default=0)
    title = models.TextField(default="")
    parent_title = models.TextField(default="")
    year = models.IntegerField(null=True)

    class Meta:
        verbose_name_plural = "daily items"
        indexes = [
            models.Index(fields=["period", "date"], name="stats_items_date"),
            models.Index(fields=["period", "media_type", "date"], name="stats_items_type_date"),
            models.Index(fields=["period", "user_id", "date"], name="stats_items_user"),
            # The rows of a few titles: ItemUserLast's upkeep, the popular cards' totals.
            models.Index(
                fields=["media_type", "title", "period", "date"], name="stats_items_title"
            ),
        ]


class ItemUserLast(models.Model):
    """Per home-stats title (DailyItems' key: media type, title, parent title, year) and user:
    the latest local date the user began a day-play of it. The popular cards' distinct users
    (``users_watched``) of a window that runs to the last date of history are the users whose
    latest date is in it: one row per user and title instead of one per user, title and month
    (:func:`stats.item_users.users_watched`).

    Derived from DailyItems' ``d`` rows and maintained with them (:mod:`stats.item_users`);
    ``user_id`` NULL is a user of its own, as in the cards.
    """

    media_type = models.TextField(default="")
    title = models.TextField(default="")
    parent_title = models.TextField(default="")
    year = models.IntegerField(null=True)
    user_id = models.BigIntegerField(null=True)
    last_date = models.DateField(help_text="local date of the latest day-play")

    objects = rollup_manager()  # up to date when read
    unsynced = UnsyncedManager()  # as stored: for stats.item_users, which maintains the table

    class Meta:
        verbose_name_plural = "item users"
        # A card reads one media type's rows in title order (one pass, no sort); the upkeep
        # replaces a few titles' rows.
        indexes = [
            models.Index(
                fields=["media_type", "title", "parent_title", "year", "last_date", "user_id"],
                name="stats_itemuser_title",
            ),
        ]


# DailyWatchTime's counters, carried by its reader indexes after their keys.
WATCH_COUNTERS = ("rows", "duration", "plays")


class DailyWatchTime(models.Model):
    """Per local date a row **stopped**, server, user and section: what the per-user, per-library
    watch-time statistics read (``get_user_watch_time_stats``, ``get_library_watch_time_stats``,
    ``get_library_user_stats``; reference 1.3), whose windows are ``stopped >= now − d·86400``.

    * ``rows``, ``duration`` (seconds): the History rows that stopped that day, and Σ their
      ``play_duration``;
    * ``plays``: the plays (HistoryGroup) whose last stop falls that day, counted with the row(s)
      that stopped last. Only plays whose rows share user, server and section (not
      ``MIXED_USER``/``MIXED_ITEM``): the few others are counted from their rows by the reader
      (:mod:`stats.watch_time`), since one play must count once per user *and* once per library.

    ``period`` ``d`` is one date; ``m`` (date = first of the month) the sum of the month's ``d``
    rows. ``date`` NULL (period ``d``) holds the rows without a stop time: they count in all-time
    totals only, as in a plain ``stopped >= …`` filter. Maintained by :mod:`stats.watch_time`
    with the other rollups (:func:`stats.rollup.sync_rollup`).
    """

    period = models.CharField(max_length=1, default=RollupBase.DAY)
    date = models.DateField(null=True, help_text="local date the rows stopped")
    server_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True)
    section_id = models.IntegerField(null=True)
    rows = models.IntegerField(default=0)
    duration = models.BigIntegerField(default=0, help_text="seconds")
    plays = models.IntegerField(default=0)

    objects = rollup_manager()  # up to date when read
    unsynced = UnsyncedManager()  # as stored: for stats.watch_time, which maintains the table

    class Meta:
        verbose_name_plural = "daily watch time"
        # A reader seeks its user's or section's month rows and a few day rows; the trailing
        # columns answer it from the index alone (SQLite has no INCLUDE).
        indexes = [
            models.Index(fields=["period", "date"], name="stats_watch_date"),
            models.Index(
                fields=["user_id", "period", "date", "server_id", "section_id", *WATCH_COUNTERS],
                name="stats_watch_user",
            ),
            models.Index(
                fields=["section_id", "period", "date", "server_id", "user_id", *WATCH_COUNTERS],
                name="stats_watch_section",
            ),
        ]


class MonthlyBase(models.Model):
    """Per local month the rows **stopped** in (``month`` NULL: rows without a stop time), server
    and user: ``rows``, ``duration`` (seconds) and ``plays`` counted as each table says.

    Recomputed a whole month at a time from History (:mod:`stats.monthly`), so there are no day
    rows: a reader adds the rows of its window's first, partial month from History.
    """

    month = models.DateField(null=True, help_text="first local date of the month rows stopped in")
    server_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True)
    rows = models.IntegerField(default=0)
    duration = models.BigIntegerField(default=0, help_text="seconds")
    plays = models.IntegerField(default=0)

    objects = rollup_manager()  # up to date when read
    unsynced = UnsyncedManager()  # as stored: for stats.monthly, which maintains the table

    class Meta:
        abstract = True


class MonthlyItemTime(MonthlyBase):
    """Watch time of seasons/albums (``level`` p: the rows' ``parent_rating_key``) and shows/
    artists (``level`` g: ``grandparent_rating_key``): what ``get_item_watch_time_stats`` and
    ``get_item_user_stats`` read for a key that is not a row's own item (reference 1.3).

    A row counts at the parent level when its parent key differs from its own key, and at the
    grandparent level when that key differs from both (so no row counts twice for one key).
    ``plays``: the plays whose last stop falls in the month (not ``MIXED_USER``/``MIXED_ITEM``;
    readers count those from their rows).
    """

    PARENT, GRANDPARENT = "p", "g"

    level = models.CharField(max_length=1)
    rating_key = models.IntegerField()

    class Meta:
        verbose_name_plural = "monthly item time"
        indexes = [
            models.Index(
                fields=["rating_key", "month", "server_id", "user_id", "rows", "duration", "plays"],
                name="stats_item_key",
            ),
            models.Index(fields=["month"], name="stats_item_month"),
            # The users of a show or season (stats.inventory.user_names: a loose index scan).
            models.Index(
                fields=["rating_key", "level", "server_id", "user_id"], name="stats_item_users"
            ),
        ]


class MonthlyPlayerTime(MonthlyBase):
    """Watch time per player (``get_user_player_stats``): ``plays`` counts, per play and player,
    the play's last row on that player (a play continued on another player counts for both, as
    Tautulli's ``COUNT(DISTINCT reference_id)`` per player does); plays that mix users, servers or
    sections are counted by readers from their rows. ``platform``: the greatest platform name
    of the player's rows (Tautulli's ``MAX(platform)``)."""

    player = models.TextField(null=True)
    platform = models.TextField(null=True)

    class Meta:
        verbose_name_plural = "monthly player time"
        indexes = [
            models.Index(
                fields=[
                    "user_id",
                    "month",
                    "server_id",
                    "player",
                    "platform",
                    "rows",
                    "duration",
                    "plays",
                ],
                name="stats_player_user",
            ),
            models.Index(fields=["month"], name="stats_player_month"),
        ]


class DailyConcurrency(models.Model):
    """The peak number of simultaneous streams during a local date (all users).

    ``server_id`` NULL is all servers together; ``transcode_decision`` '' is all streams.
    ``peak_started``/``peak_stopped`` (epoch seconds) bound the moment the peak was reached, as
    Tautulli's most_concurrent card reports it. Maintained by :mod:`stats.concurrency`.
    """

    date = models.DateField()
    server_id = models.BigIntegerField(null=True)
    transcode_decision = models.TextField(default="")
    peak = models.IntegerField(default=0)
    peak_started = models.BigIntegerField(null=True)
    peak_stopped = models.BigIntegerField(null=True)

    objects = rollup_manager()  # up to date when read
    unsynced = UnsyncedManager()  # as stored: for stats.concurrency, which maintains the table

    class Meta:
        verbose_name_plural = "daily concurrency"
        indexes = [models.Index(fields=["date"], name="stats_concurrency_date")]


class RollupDirtyDay(models.Model):
    """Local dates whose rollup rows must be recomputed (queued as their history changes)."""

    date = models.DateField(primary_key=True)


class RollupState(models.Model):
    """One row: the time zone the rollup's dates were computed in, when it was built, and its
    generation (incremented by every change, :func:`stats.rollup.rollup_generation`).

    A different ``settings.TIME_ZONE`` makes the next sync rebuild everything.
    """

    time_zone = models.TextField(default="")
    built_at = models.DateTimeField(null=True)
    generation = models.BigIntegerField(
        default=0, help_text="+1 whenever a rollup changes: what cached statistics are valid for"
    )


class MediaWatchStats(models.Model):
    """Watch statistics of one library item, across all users (issue 13): a movie, episode or
    track (``level`` ``i``, from the rows of its ``rating_key``), a season or album (``p``, the
    rows whose ``parent_rating_key`` it is) or a show or artist (``g``,
    ``grandparent_rating_key``). Keyed by the item's **current** rating key: rows logged under
    an old key that the inventory linked to a new one (:class:`libraries.models.RatingKeyChange`)
    count for the new key.

    Derived from History (the rows, as Tautulli's media info table counts them), kept current by
    :mod:`stats.media_stats`; readers use ``objects`` (synced before a read), the maintenance
    ``unsynced``.

    * ``plays``: distinct plays (``COALESCE(reference_id, id)``, Tautulli's grouped count);
      ``users``: distinct users; ``watch_time``: Σ ``play_duration`` seconds;
      ``first_watched``/``last_watched``: MIN/MAX ``started``, epoch seconds (UTC; Tautulli's
      ``last_played`` is MAX(started));
      ``watched_items``: distinct present movies/episodes/tracks watched (the numerator of
      "share of episodes watched": its denominator is the inventory's ``leaf_count``).
    * ``*_current``: the same over the rows that started at or after the moment the **current
      copy** of their movie/episode/track was added (its inventory ``added_at``, present in
      PMS): a title deleted and downloaded again does not inherit the old copy's plays
      (Maintainerr #3532, Tautulli #2411). Rows of an item the inventory does not know never
      count here.
    """

    ITEM, PARENT, GRANDPARENT = "i", "p", "g"
    LEVELS = [(ITEM, "item"), (PARENT, "season or album"), (GRANDPARENT, "show or artist")]

    server_id = models.BigIntegerField()
    rating_key = models.IntegerField()
    level = models.CharField(max_length=1, choices=LEVELS)
    plays = models.IntegerField(default=0)
    users = models.IntegerField(default=0)
    watch_time = models.BigIntegerField(default=0, help_text="seconds")
    first_watched = models.BigIntegerField(null=True, help_text="epoch seconds")
    last_watched = models.BigIntegerField(null=True, help_text="epoch seconds")
    watched_items = models.IntegerField(default=0)
    plays_current = models.IntegerField(default=0)
    users_current = models.IntegerField(default=0)
    watch_time_current = models.BigIntegerField(default=0, help_text="seconds")
    first_watched_current = models.BigIntegerField(null=True, help_text="epoch seconds")
    last_watched_current = models.BigIntegerField(null=True, help_text="epoch seconds")
    watched_items_current = models.IntegerField(default=0)
    # The inventory row of the item (a join on server and rating key, no column of its own):
    # ``LibraryMedia.objects.filter(watch_stats__plays=0)``; an item never watched has none.
    item = models.ForeignObject(
        LibraryMedia,
        on_delete=models.DO_NOTHING,
        from_fields=["server_id", "rating_key"],
        to_fields=["server", "rating_key"],
        related_name="watch_stats",
        null=True,
    )

    objects = FreshManager(
        "stats.media_stats.sync_media_stats", covers=("history.grouping.sync_groups",)
    )
    unsynced = UnsyncedManager()

    class Meta:
        verbose_name_plural = "media watch statistics"
        constraints = [
            models.UniqueConstraint(fields=["server_id", "rating_key"], name="uniq_media_stats")
        ]
        indexes = [
            models.Index(fields=["server_id", "last_watched"], name="media_stats_last"),
            # The REST inventory's sorts (stats.inventory.inventory_page), over every server.
            *(
                models.Index(fields=[column, "rating_key"], name=f"media_stats_{name}")
                for column, name in (
                    ("last_watched", "last_all"),
                    ("plays", "plays"),
                    ("users", "users"),
                    ("watch_time", "watch_time"),
                    ("last_watched_current", "last_cur"),
                    ("plays_current", "plays_cur"),
                    ("users_current", "users_cur"),
                    ("watch_time_current", "watch_time_cur"),
                )
            ),
        ]


class MediaUserWatch(models.Model):
    """One user's plays of one library item (issue 14): the per-user companion of
    :class:`MediaWatchStats`, at the same levels and keyed the same way (the item's **current**
    rating key, old keys' rows counted for it), maintained with it by :mod:`stats.media_stats`.

    What rules about chosen users read ("last watched by", "played by all of them"): a few
    index seeks per item instead of every play of it. ``plays``: distinct plays (Tautulli's
    grouped count); ``last_watched``: MAX ``started``, epoch seconds (UTC). Rows without a user
    are not counted."""

    server_id = models.BigIntegerField()
    rating_key = models.IntegerField()
    user_id = models.BigIntegerField()
    level = models.CharField(max_length=1, choices=MediaWatchStats.LEVELS)
    plays = models.IntegerField(default=0)
    last_watched = models.BigIntegerField(null=True, help_text="epoch seconds")

    objects = FreshManager(
        "stats.media_stats.sync_media_stats", covers=("history.grouping.sync_groups",)
    )
    unsynced = UnsyncedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["server_id", "rating_key", "user_id"], name="uniq_media_user_watch"
            )
        ]


class MediaStatsDirty(models.Model):
    """(server, current rating key) whose :class:`MediaWatchStats` row must be recomputed:
    queued when plays change (:data:`history.signals.groups_changed`) or the inventory changes
    (an item added, removed, re-added or linked to an old key)."""

    server_id = models.BigIntegerField()
    rating_key = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["server_id", "rating_key"], name="uniq_media_dirty")
        ]


class MediaKeyAlias(models.Model):
    """An old rating key and the current key its rows count for (:class:`MediaWatchStats`):
    :class:`libraries.models.RatingKeyChange` with its chains followed (a → b → c gives a → c
    and b → c; of two changes of one key, the latest). Rebuilt from it by
    :mod:`stats.media_stats` whenever the statistics are recomputed."""

    server_id = models.BigIntegerField()
    source_key = models.IntegerField()
    target_key = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["server_id", "source_key"], name="uniq_media_alias")
        ]
