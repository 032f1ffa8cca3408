"""Recently-added newsletters and their send log."""

from django.db import models


class Newsletter(models.Model):
    """A newsletter (``newsletters`` row), sent on its 5-field ``cron`` schedule.

    ``email_config`` holds the SMTP password: a secret, never shown in lists or the API.
    """

    agent_id = models.IntegerField(null=True, default=0)
    agent_name = models.TextField(null=True, blank=True, default="recently_added")
    agent_label = models.TextField(null=True, blank=True, default="Recently Added")
    id_name = models.TextField()
    friendly_name = models.TextField(null=True, blank=True)
    config = models.JSONField(default=dict, blank=True)
    email_config = models.JSONField(default=dict, blank=True)
    subject = models.TextField(null=True, blank=True)
    body = models.TextField(null=True, blank=True)
    message = models.TextField(null=True, blank=True)
    cron = models.TextField(default="0 0 * * 0")
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.friendly_name or self.id_name


class NewsletterLog(models.Model):
    """One newsletter run (``newsletter_log``); ``uuid`` names its file and URL."""

    timestamp = models.DateTimeField(null=True)
    newsletter_id = models.IntegerField(null=True)
    agent_id = models.IntegerField(null=True)
    agent_name = models.TextField(null=True, blank=True)
    notify_action = models.TextField(null=True, blank=True)
    subject_text = models.TextField(null=True, blank=True)
    body_text = models.TextField(null=True, blank=True)
    message_text = models.TextField(null=True, blank=True)
    start_date = models.TextField(null=True, blank=True, help_text="YYYY-MM-DD")
    end_date = models.TextField(null=True, blank=True, help_text="YYYY-MM-DD")
    start_time = models.BigIntegerField(null=True, help_text="epoch seconds")
    end_time = models.BigIntegerField(null=True, help_text="epoch seconds")
    uuid = models.TextField(unique=True, null=True)
    filename = models.TextField(null=True, blank=True)
    email_msg_id = models.TextField(null=True, blank=True)
    success = models.BooleanField(default=False)
    # Not in Tautulli's table (it writes the copy to a file in NEWSLETTER_DIR): the hosted copy
    # lives in the database, so backups and a move to PostgreSQL carry it.
    html = models.TextField(blank=True, default="", help_text="the hosted copy (rendered HTML)")
    text = models.TextField(blank=True, default="", help_text="the e-mail's plain-text part")
    error = models.TextField(blank=True, default="", help_text="why the run failed")

    class Meta:
        verbose_name_plural = "newsletter log"
        indexes = [models.Index(fields=["-timestamp"])]
