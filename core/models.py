"""Instance-wide settings: the /api/v2 key and the record of Tautulli imports."""

import secrets

from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    """The /api/v2 key (Tautulli's ``API_KEY``: 32 hex characters, uuid4-style).

    One row. ``TAUTULLI_API_KEY`` in the environment overrides it. Rotate it in the admin.
    """

    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self):
        return "API key"

    @staticmethod
    def generate() -> str:
        return secrets.token_hex(16)

    @classmethod
    def current(cls) -> str:
        """The key in force: the environment's, else the stored one (created on first call)."""
        if settings.TAUTULLI_API_KEY:
            return settings.TAUTULLI_API_KEY
        row = cls.objects.order_by("id").first()
        if row is None:
            row = cls.objects.create(key=cls.generate())
        return row.key

    @classmethod
    def rotate(cls) -> str:
        row = cls.objects.order_by("id").first() or cls(key="")
        row.key = cls.generate()
        row.save()
        return row.key


class TautulliImport(models.Model):
    """One Tautulli database imported into a server (``manage.py import_tautulli``).

    ``id_offsets`` keeps, per id group, how the source's ids map to ours, so that a re-import of
    a newer copy of the same database maps every id exactly as before and adds only new rows::

        {"history": {"segments": [[1, 0]], "max_id": 20000}, "notifiers": {...}, ...}

    A segment ``[start, offset]`` says: source ids from ``start`` on (up to the next segment's
    start) are stored as ``id + offset``. The offset is 0 when the ids are free (the usual case:
    the first server keeps Tautulli's ids exactly). It is set past the highest id in use when the
    ids would collide (a second Tautulli database), and a new segment is appended only when the
    new rows of a re-import would collide with rows written since. ``max_id`` is the highest
    source id seen. Groups: ``history`` (session_history and its metadata/media_info tables, and
    reference_id), ``notifiers`` (also notify_log.notifier_id and the triggers), ``newsletters``
    (also newsletter_log.newsletter_id), ``notify_log``, ``newsletter_log``, ``user_login``,
    ``recently_added`` and ``sessions``.
    """

    server = models.OneToOneField(
        "plex.Server", on_delete=models.CASCADE, related_name="import_source"
    )
    id_offsets = models.JSONField(default=dict, blank=True)
    source_path = models.TextField()
    source_version = models.CharField(
        max_length=32, blank=True, help_text="Tautulli's version_info 'version', e.g. v2.17.2"
    )
    last_imported_at = models.DateTimeField(auto_now=True)
    last_counts = models.JSONField(
        default=dict, blank=True, help_text="Rows added per source table by the last run."
    )

    def __str__(self):
        return f"{self.source_path} → {self.server}"

    def offset_for(self, group: str) -> int:
        """The offset of the group's first segment (0 when the group's ids were free)."""
        segments = (self.id_offsets.get(group) or {}).get("segments") or [[0, 0]]
        return int(segments[0][1])


class MonitoringSettings(models.Model):
    """Tautulli's ``[Monitoring]`` settings, edited in the admin (one row).

    An empty field means "the default": the environment variable of the same name (see
    ``tautulli_project/settings.py``), else Tautulli's default. Read them with
    :func:`core.config.monitoring_value`, never from this model directly.
    """

    movie_watched_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Percent of a movie that counts as watched (default 85)."
    )
    tv_watched_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Percent of an episode or clip that counts as watched (default 85).",
    )
    music_watched_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Percent of a track that counts as played (default 85)."
    )
    watched_marker = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[
            (0, "Percent only"),
            (1, "At the final credits marker"),
            (2, "At the first credits marker"),
            (3, "The earlier of the percent and the first credits marker"),
        ],
        help_text="Credits markers fall back to the percent when an item has none (default 3).",
    )
    logging_ignore_interval = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Movies and episodes played for fewer seconds are not logged; 0 logs all "
        "(default 120).",
    )
    notify_concurrent_threshold = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Streams of one user that trigger on_concurrent (default 2).",
    )
    notify_concurrent_by_ip = models.BooleanField(
        null=True, blank=True, help_text="Count distinct IP addresses instead of streams."
    )
    notify_recently_added_delay = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Seconds to wait for more items of a show or album before announcing "
        "(default 300).",
    )
    notify_group_recently_added_grandparent = models.BooleanField(
        null=True,
        blank=True,
        help_text="Announce a show/artist when several seasons/albums arrive.",
    )
    notify_group_recently_added_parent = models.BooleanField(
        null=True,
        blank=True,
        help_text="Announce a season/album when several episodes/tracks arrive.",
    )

    class Meta:
        verbose_name = "monitoring settings"
        verbose_name_plural = "monitoring settings"

    def __str__(self):
        return "Monitoring settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # a single row
        super().save(*args, **kwargs)
