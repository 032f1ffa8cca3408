"""What the importer remembers of each imported Tautulli database."""

from django.db import models

from servers.models import Server


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

    server = models.OneToOneField(Server, on_delete=models.CASCADE, related_name="import_source")
    id_offsets = models.JSONField(default=dict, blank=True)
    source_path = models.TextField()
    source_version = models.CharField(
        max_length=32, blank=True, help_text="Tautulli's version_info 'version', e.g. v2.17.2"
    )
    last_imported_at = models.DateTimeField(auto_now=True)
    last_counts = models.JSONField(
        default=dict, blank=True, help_text="Rows added per source table by the last run."
    )

    class Meta:
        db_table = "core_tautulliimport"  # its table when the importer lived in core

    def __str__(self):
        return f"{self.source_path} → {self.server}"

    def offset_for(self, group: str) -> int:
        """The offset of the group's first segment (0 when the group's ids were free)."""
        segments = (self.id_offsets.get(group) or {}).get("segments") or [[0, 0]]
        return int(segments[0][1])


class TautulliConnection(models.Model):
    """A running Tautulli whose users, libraries and history are synced through its ``/api/v2``
    (:mod:`tautulli_import.remote`).

    ``api_key`` is write-only: never shown by the admin list, the logs or any API. The cursor
    is ``last_history_id`` (the highest ``session_history.id`` written, 0 before the first
    sync) and ``history_position`` (that row's index in Tautulli's history ordered by id,
    a paging hint); both move only after the page that reached them committed.
    ``last_counts`` holds the rows added per table by the last sync, e.g.
    ``{"users": 2, "library_sections": 0, "session_history": 500, ...}``; ``last_error`` is one
    line, '' after a successful sync.
    """

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(
        max_length=500, help_text="Tautulli's address, e.g. http://192.168.1.10:8181"
    )
    api_key = models.CharField(
        max_length=200, help_text="Tautulli's API key (Settings › Web Interface)."
    )
    active = models.BooleanField(default=True, help_text="Synced by the 12-hour schedule.")
    server = models.ForeignKey(
        Server,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tautulli_connections",
        help_text="The server its rows were attached to (same machine identifier), set by the sync.",
    )
    last_history_id = models.BigIntegerField(default=0)
    history_position = models.BigIntegerField(default=0)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self):
        return self.name
