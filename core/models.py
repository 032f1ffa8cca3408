"""Instance-wide settings: the /api/v2 key and the monitoring settings."""

import hmac
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
    def matches(cls, key: str | None) -> bool:
        """Whether ``key`` is the key in force (compared in constant time); empty never is."""
        return bool(key) and hmac.compare_digest(key.encode(), cls.current().encode())

    @classmethod
    def rotate(cls) -> str:
        row = cls.objects.order_by("id").first() or cls(key="")
        row.key = cls.generate()
        row.save()
        return row.key


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
    allow_guest_access = models.BooleanField(
        null=True,
        blank=True,
        help_text="Let shared users whose own guest access is on sign in with their Plex "
        "account and see their own history, statistics and streams (Tautulli's guest access; "
        "default off).",
    )

    class Meta:
        verbose_name = "monitoring settings"
        verbose_name_plural = "monitoring settings"

    def __str__(self):
        return "Monitoring settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # a single row
        super().save(*args, **kwargs)
