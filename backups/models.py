"""Backups of the database and of the configuration, and what their verification found."""

from django.db import models


class Backup(models.Model):
    """One backup file in ``BACKUP_DIR`` (issue 16).

    ``kind``: the database (SQLite's online backup, or ``pg_dump`` custom format) or the
    configuration (the ``DATA_DIR`` secrets a restore needs). ``verified``: None until the
    backup was restored into a scratch database and checked; then True when the integrity check
    passed and every table's row count equals the source's at the time of the copy, False
    otherwise (``verification`` says what differed). ``error``: why the backup failed (no file
    then)."""

    DATABASE, CONFIG = "database", "config"
    KINDS = [(DATABASE, "database"), (CONFIG, "configuration")]

    kind = models.CharField(max_length=16, choices=KINDS, default=DATABASE)
    engine = models.CharField(max_length=16, blank=True, help_text="sqlite or postgresql")
    trigger = models.CharField(
        max_length=16, blank=True, help_text="schedule, admin, api or command"
    )
    file_name = models.CharField(max_length=255, blank=True, help_text="in BACKUP_DIR")
    size = models.BigIntegerField(null=True, help_text="bytes")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    duration = models.FloatField(null=True, help_text="seconds, the copy and its verification")
    verified = models.BooleanField(null=True)
    verification = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="backup_latest")]
        permissions = [("download_backup", "Can download a backup file")]

    def __str__(self):
        return f"{self.get_kind_display()} backup {self.started_at:%Y-%m-%d %H:%M}"
