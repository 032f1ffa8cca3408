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
    # When the inventory refresh last read this library's items (aware, UTC; null: never).
    inventory_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The disk space the owner gives this library (bytes; null: not set), for the admin's
    # Storage page: free space = capacity − Σ size of the library's present items.
    disk_capacity = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="bytes: the disk space this library may use (its disk or quota); empty: not set",
    )

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


# Tautulli's media types of the items a library holds, parents first.
INVENTORY_TYPES = ("movie", "show", "season", "episode", "artist", "album", "track")
# The playable ones (what library growth counts).
PLAYABLE_TYPES = ("movie", "episode", "track")


class LibraryMediaQuerySet(models.QuerySet):
    def present(self):
        """Items PMS listed at the last refresh (``removed_at`` is null)."""
        return self.filter(removed_at__isnull=True)

    def playable(self):
        """Movies, episodes and tracks (not shows, seasons, artists or albums)."""
        return self.filter(media_type__in=PLAYABLE_TYPES)


class LibraryMedia(models.Model):
    """One item of a library as PMS lists it: a movie, show, season, episode, artist, album or
    track (the inventory; issue 13). Library growth (:mod:`stats.library_growth`) counts the
    present playable items.

    Filled by :func:`plex.inventory.refresh_inventory` (every 12 hours, the admin's "Refresh
    inventory" and ``manage.py refresh_library_media``). Unique per (server, rating_key): an
    item moved to another section keeps its row.

    Values (PMS's attributes of the section listing; "" / null when PMS gives none):

    * hierarchy: ``parent_*`` is the season of an episode, the show of a season, the album of a
      track, the artist of an album; ``grandparent_*`` the show of an episode, the artist of a
      track. ``media_index`` is PMS's ``index`` (episode, season or track number);
      ``parent_media_index`` its ``parentIndex`` (an episode's season, a track's disc).
    * dates (aware, UTC): ``added_at``/``updated_at`` are PMS's ``addedAt``/``updatedAt``;
      ``last_seen_at`` is when a refresh last wrote the row (an unchanged item is not rewritten;
      the refresh that finds it gone copies the library's previous refresh time into it, see
      :attr:`Library.inventory_refreshed_at`); ``removed_at`` is when a refresh found it gone
      from PMS (null while present: the row stays, so its history stays readable).
    * ids: ``guid`` (PMS's ``guid``: ``plex://movie/...`` or a legacy agent's), ``imdb_id``
      (``tt…``), ``tmdb_id``, ``tvdb_id`` (from PMS's ``<Guid id="imdb://...">`` tags, or the
      legacy agent's guid of a movie/show).
    * media: ``file_paths`` every part's ``file`` (every version, in PMS's order);
      ``file_size`` Σ bytes of every part of every version (null when PMS gives no size);
      ``video_resolution``/``video_codec``/``video_framerate``/``audio_codec``/
      ``audio_channels``/``container``/``bitrate`` (kbit/s) of the first version (Tautulli's
      media info table reads the first version too); ``duration`` in ms; ``thumb`` PMS's
      image path.
    """

    MEDIA_TYPES = [(name, name) for name in INVENTORY_TYPES]

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="library_media")
    section_id = models.IntegerField()
    rating_key = models.IntegerField()
    media_type = models.CharField(max_length=16, choices=MEDIA_TYPES)
    title = models.TextField(blank=True, default="")
    sort_title = models.TextField(blank=True, default="")
    year = models.IntegerField(null=True, blank=True)
    parent_rating_key = models.IntegerField(null=True, blank=True)
    grandparent_rating_key = models.IntegerField(null=True, blank=True)
    parent_title = models.TextField(blank=True, default="")
    grandparent_title = models.TextField(blank=True, default="")
    media_index = models.IntegerField(null=True, blank=True)
    parent_media_index = models.IntegerField(null=True, blank=True)
    added_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    guid = models.TextField(blank=True, default="")
    imdb_id = models.CharField(max_length=32, blank=True, default="")
    tmdb_id = models.CharField(max_length=32, blank=True, default="")
    tvdb_id = models.CharField(max_length=32, blank=True, default="")
    file_paths = models.JSONField(default=list, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True, help_text="bytes")
    thumb = models.TextField(blank=True, default="")
    video_resolution = models.CharField(max_length=16, blank=True, default="")
    video_codec = models.CharField(max_length=16, blank=True, default="")
    video_framerate = models.CharField(max_length=16, blank=True, default="")
    audio_codec = models.CharField(max_length=16, blank=True, default="")
    audio_channels = models.IntegerField(null=True, blank=True)
    container = models.CharField(max_length=16, blank=True, default="")
    bitrate = models.IntegerField(null=True, blank=True, help_text="kbit/s")
    duration = models.BigIntegerField(null=True, blank=True, help_text="ms")
    # PMS tags as "|Action|Comedy|" (empty: none): a rule's "contains" is one LIKE on either
    # database, and the count of tags is the count of separators minus one.
    genres = models.TextField(blank=True, default="")
    labels = models.TextField(blank=True, default="")
    collections = models.TextField(blank=True, default="")
    # Roll-ups of the present playable items under a show, season, artist or album (the item
    # itself for a movie, episode or track): :func:`libraries.rollups.roll_up_sizes`.
    total_file_size = models.BigIntegerField(null=True, blank=True, help_text="bytes")
    leaf_count = models.IntegerField(default=0)

    objects = LibraryMediaQuerySet.as_manager()

    class Meta:
        verbose_name = "library item"
        verbose_name_plural = "library items"
        constraints = [
            models.UniqueConstraint(fields=["server", "rating_key"], name="uniq_library_media")
        ]
        indexes = [
            models.Index(fields=["server", "section_id", "added_at"], name="library_media_added"),
            models.Index(fields=["server", "section_id", "media_type"], name="library_media_type"),
            models.Index(fields=["server", "parent_rating_key"], name="library_media_parent"),
            models.Index(
                fields=["server", "grandparent_rating_key"], name="library_media_grandparent"
            ),
            models.Index(fields=["guid"], name="library_media_guid"),
            models.Index(fields=["server", "removed_at"], name="library_media_removed"),
            models.Index(
                fields=["section_id", "media_type", "total_file_size"], name="library_media_size"
            ),
            # The REST inventory's sorts by size and by date added, over every library
            # (stats.inventory.inventory_page).
            models.Index(fields=["total_file_size", "id"], name="library_media_total_size"),
            models.Index(fields=["added_at", "id"], name="library_media_added_at"),
        ]

    def __str__(self):
        return self.title or f"Item {self.rating_key}"


class RatingKeyChange(models.Model):
    """An item PMS re-added under a new rating key, recognised by its guid by the inventory
    refresh (:func:`plex.inventory.refresh_inventory`): the old row keeps its ``removed_at``
    and its history; this links ``old_rating_key`` to ``new_rating_key`` (what Tautulli's
    ``get_new_rating_keys`` / ``get_old_rating_keys`` answer). ``changed_at``: the refresh
    that saw it (aware, UTC)."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="rating_key_changes")
    old_rating_key = models.IntegerField()
    new_rating_key = models.IntegerField()
    media_type = models.CharField(max_length=16, blank=True, default="")
    guid = models.TextField(blank=True, default="")
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["server", "old_rating_key", "new_rating_key"], name="uniq_rating_key_change"
            )
        ]
        indexes = [models.Index(fields=["server", "new_rating_key"], name="rating_key_change_new")]

    def __str__(self):
        return f"{self.old_rating_key} → {self.new_rating_key}"
