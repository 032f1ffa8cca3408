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
    """One Tautulli database imported into a server.

    ``id_offset`` is added to the source's history ids and reference_ids. It is 0 when the ids are
    free (the usual case: the first server keeps Tautulli's ids exactly), and past the highest id
    in use when a second Tautulli database would collide. Re-imports of the same source (matched
    on server) reuse the offset, so they add only new rows.
    """

    server = models.OneToOneField(
        "plex.Server", on_delete=models.CASCADE, related_name="import_source"
    )
    id_offset = models.BigIntegerField(default=0)
    source_path = models.TextField()
    last_imported_at = models.DateTimeField(auto_now=True)
    last_counts = models.JSONField(default=dict)

    def __str__(self):
        return f"{self.source_path} → {self.server}"
