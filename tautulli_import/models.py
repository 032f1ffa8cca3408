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
