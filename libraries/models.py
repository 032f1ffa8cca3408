"""Library sections of each Plex server, and the recently-added de-duplication log."""

from django.db import models

from servers.models import Server

# Tautulli's common.DEFAULT_COVER_THUMB: the thumb of a library without one.
DEFAULT_COVER_THUMB = "interfaces/default/images/cover.png"


class LibraryQuerySet(models.QuerySet):
    def active(self):
        """Libraries not deleted in Tautulli's sense (``deleted_section = 0``)."""
        return self.filter(deleted_section=False)

    def in_scope(self, server=None):
        """Libraries not deleted (``deleted_section = 0``) of ``server``, or of every server when
        ``server`` is None; the server row is joined (its machine identifier is the
        ``server_id`` that Tautulli's API shows)."""
        queryset = self.active().select_related("server")
        if server is not None:
            queryset = queryset.filter(server=server)
        return queryset


class Library(models.Model):
    """A Plex library section (Tautulli's ``library_sections``), unique per (server, section_id).

    ``count``/``parent_count``/``child_count`` = items / seasons or albums / episodes or tracks.
    History refers to a library by (server, section_id), as Tautulli does, so the history of a
    library that was removed from Plex stays readable.
    """

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="libraries")
    section_id = models.IntegerField()
    section_name = models.TextField(null=True, blank=True)
    section_type = models.TextField(null=True, blank=True)
    agent = models.TextField(null=True, blank=True)
    thumb = models.TextField(null=True, blank=True)
    custom_thumb_url = models.TextField(null=True, blank=True)
    art = models.TextField(null=True, blank=True)
    custom_art_url = models.TextField(null=True, blank=True)
    count = models.IntegerField(null=True, blank=True)
    parent_count = models.IntegerField(null=True, blank=True)
    child_count = models.IntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    do_notify = models.BooleanField(default=True)
    do_notify_created = models.BooleanField(default=True)
    keep_history = models.BooleanField(default=True)
    deleted_section = models.BooleanField(default=False)

    objects = LibraryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "libraries"
        ordering = ["server_id", "section_id"]
        constraints = [
            models.UniqueConstraint(fields=["server", "section_id"], name="uniq_library_section")
        ]

    def __str__(self):
        return self.section_name or f"Section {self.section_id}"

    @property
    def library_thumb(self) -> str:
        return self.custom_thumb_url or self.thumb or ""

    @property
    def library_art(self) -> str:
        return self.custom_art_url or self.art or ""

    def api_thumb(self) -> str:
        """Tautulli's ``library_thumb``: the custom thumb when set (and different), else PMS's
        thumb, else the default cover."""
        if self.custom_thumb_url and self.custom_thumb_url != self.thumb:
            return self.custom_thumb_url
        return self.thumb or DEFAULT_COVER_THUMB

    def api_art(self) -> str | None:
        """Tautulli's ``library_art``: the custom art when set (and different), else PMS's art
        (None when the library has none)."""
        if self.custom_art_url and self.custom_art_url != self.art:
            return self.custom_art_url
        return self.art


class RecentlyAdded(models.Model):
    """A rating key already announced by ``on_created`` (Tautulli's ``recently_added``)."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="recently_added")
    added_at = models.DateTimeField(null=True)
    pms_identifier = models.TextField(null=True, blank=True)
    section_id = models.IntegerField(null=True)
    rating_key = models.IntegerField(null=True)
    parent_rating_key = models.IntegerField(null=True)
    grandparent_rating_key = models.IntegerField(null=True)
    media_type = models.TextField(null=True, blank=True)
    media_info = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "recently added"
        indexes = [models.Index(fields=["server", "rating_key"])]


class LibraryMedia(models.Model):
    """One playable item of a library (movie, episode or track), as PMS lists it: the inventory
    that library growth (:mod:`stats.library_growth`) counts.

    Filled by :func:`plex.library_media.refresh_library_media` (every 12 hours and
    ``manage.py refresh_library_media``). ``added_at`` is PMS's ``addedAt`` (aware, UTC; null when
    PMS gives none); ``file_size`` is Σ bytes of the item's media parts (every version), null
    when PMS gives no size. Unique per (server, rating_key): an item moved to another section
    keeps its row.
    """

    MEDIA_TYPES = [("movie", "movie"), ("episode", "episode"), ("track", "track")]

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="library_media")
    section_id = models.IntegerField()
    rating_key = models.IntegerField()
    media_type = models.CharField(max_length=16, choices=MEDIA_TYPES)
    title = models.TextField(blank=True, default="")
    added_at = models.DateTimeField(null=True, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True, help_text="bytes")

    class Meta:
        verbose_name = "library item"
        verbose_name_plural = "library items"
        constraints = [
            models.UniqueConstraint(fields=["server", "rating_key"], name="uniq_library_media")
        ]
        indexes = [
            models.Index(fields=["server", "section_id", "added_at"], name="library_media_added")
        ]

    def __str__(self):
        return self.title or f"Item {self.rating_key}"
