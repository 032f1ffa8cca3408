"""Metadata exports: Tautulli's ``exports`` table, one row per export, plus its server."""

from django.db import models

from servers.models import Server


class Export(models.Model):
    """One export (Tautulli's ``exports`` columns). ``complete`` is 0 while it runs, 1 when
    done, -1 when it failed (``error`` says why). ``timestamp`` is epoch seconds of the request;
    the files are in ``EXPORT_DIR/<title>.<YYYYmmddHHMMSS>/`` (:mod:`exports.files`).
    ``file_size`` is bytes (the files and images written). Image levels are 0 (none), 1
    (uploaded), 2 (edited), 9 (all) when asked, and after the export the asked level (10 for
    "some were exported") when images were written, else 0, as Tautulli keeps them."""

    RUNNING, DONE, FAILED = 0, 1, -1
    STATES = {RUNNING: "Processing", DONE: "Complete", FAILED: "Failed"}

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="exports")
    timestamp = models.BigIntegerField()
    section_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    rating_key = models.BigIntegerField(null=True, blank=True)
    media_type = models.TextField(blank=True, default="")
    export_type = models.TextField(default="all")
    title = models.TextField(blank=True, default="")
    file_format = models.TextField(default="csv")
    metadata_level = models.IntegerField(default=1)
    media_info_level = models.IntegerField(default=1)
    thumb_level = models.IntegerField(default=0)
    art_level = models.IntegerField(default=0)
    logo_level = models.IntegerField(default=0)
    square_art_level = models.IntegerField(default=0)
    theme_level = models.IntegerField(default=0)
    custom_fields = models.TextField(blank=True, default="")
    individual_files = models.BooleanField(default=False)
    file_size = models.BigIntegerField(default=0)
    complete = models.IntegerField(default=RUNNING)
    exported_items = models.IntegerField(default=0)
    total_items = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["section_id"]), models.Index(fields=["rating_key"])]

    def __str__(self):
        return self.title or f"Export {self.pk}"

    @property
    def state(self) -> str:
        return self.STATES.get(self.complete, str(self.complete))

    @property
    def has_images(self) -> bool:
        return any(
            (
                self.thumb_level,
                self.art_level,
                self.logo_level,
                self.square_art_level,
                self.theme_level,
            )
        )
