"""Notification agents (Tautulli's notifiers), their per-trigger texts, the log, and the
Tautulli Remote App devices that receive push notifications and use device tokens as API keys."""

from django.db import models

from .actions import TRIGGER_CHOICES


class Notifier(models.Model):
    """A configured notification agent (``notifiers`` row).

    ``config`` is the agent's options (Tautulli's ``notifier_config`` JSON). It holds secrets
    (tokens, passwords, webhook URLs) and is never shown in list pages, API output or logs.
    The per-action switches and texts are :class:`NotifierTrigger` rows.
    """

    agent_id = models.IntegerField(null=True)
    agent_name = models.TextField(null=True, blank=True)
    agent_label = models.TextField(null=True, blank=True)
    friendly_name = models.TextField(null=True, blank=True)
    config = models.JSONField(default=dict, blank=True)
    custom_conditions = models.JSONField(default=list, blank=True)
    custom_conditions_logic = models.TextField(null=True, blank=True)
    # Delivery health: notifications that failed every attempt in a row since the last success.
    failed_deliveries = models.PositiveIntegerField(
        default=0, help_text="Notifications in a row that failed every attempt."
    )
    last_error = models.TextField(blank=True, default="")

    # After this many notifications in a row failed every attempt, the admin flags the notifier.
    FAILING_AFTER = 3

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.friendly_name or self.agent_label or f"Notifier {self.pk}"


class NotifierTrigger(models.Model):
    """One notify action of a notifier (:data:`notifications.actions.NOTIFIER_ACTIONS`: Tautulli's
    22, then this project's own): enabled or not, and its subject/body templates."""

    notifier = models.ForeignKey(Notifier, on_delete=models.CASCADE, related_name="triggers")
    action = models.CharField(max_length=32, choices=TRIGGER_CHOICES)
    enabled = models.BooleanField(default=False)
    subject = models.TextField(null=True, blank=True)
    body = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["notifier_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["notifier", "action"], name="uniq_notifier_action")
        ]
        indexes = [models.Index(fields=["action", "enabled"])]

    def __str__(self):
        return self.action


class NotifyLog(models.Model):
    """One attempted notification (``notify_log``); also the "already notified" store.

    Written with ``success`` False before the first delivery attempt, set True when an attempt
    succeeds (Tautulli's order). ``attempts`` counts the attempts made, ``error`` holds the last
    failure's reason (one line, no secret); each attempt is a :class:`DeliveryAttempt`.
    ``server_id`` is the server the event came from (session keys are per server).
    """

    timestamp = models.DateTimeField(null=True)
    session_key = models.IntegerField(null=True)
    rating_key = models.IntegerField(null=True)
    parent_rating_key = models.IntegerField(null=True)
    grandparent_rating_key = models.IntegerField(null=True)
    user_id = models.BigIntegerField(null=True)
    user = models.TextField(null=True, blank=True)
    notifier_id = models.IntegerField(null=True)
    agent_id = models.IntegerField(null=True)
    agent_name = models.TextField(null=True, blank=True)
    notify_action = models.TextField(null=True, blank=True)
    subject_text = models.TextField(null=True, blank=True)
    body_text = models.TextField(null=True, blank=True)
    script_args = models.TextField(null=True, blank=True)
    success = models.BooleanField(default=False)
    tag = models.TextField(null=True, blank=True)
    poster_url = models.TextField(null=True, blank=True)
    server_id = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "notification log entry"
        verbose_name_plural = "notification log"
        indexes = [
            models.Index(fields=["-timestamp"]),
            models.Index(fields=["notifier_id", "notify_action"]),
        ]


class DeliveryAttempt(models.Model):
    """One attempt to deliver a :class:`NotifyLog` notification: when, and what came of it."""

    log = models.ForeignKey(NotifyLog, on_delete=models.CASCADE, related_name="delivery_attempts")
    attempted_at = models.DateTimeField()
    success = models.BooleanField()
    message = models.TextField(blank=True, default="", help_text="The agent's note or error.")

    class Meta:
        ordering = ["log_id", "id"]

    def __str__(self):
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {'ok' if self.success else 'failed'}"


class MobileDevice(models.Model):
    """A registered Tautulli Remote App device (``mobile_devices``).

    ``device_token`` is accepted as an API key with ``app=true``; it is a secret.
    ``official`` keeps Tautulli's value (0, 1, or 2 for the official app with push disabled).
    """

    device_id = models.TextField(unique=True)
    device_token = models.TextField(null=True, blank=True)
    device_name = models.TextField(null=True, blank=True)
    platform = models.TextField(null=True, blank=True)
    version = models.TextField(null=True, blank=True)
    friendly_name = models.TextField(null=True, blank=True)
    onesignal_id = models.TextField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True)
    official = models.SmallIntegerField(default=0)

    def __str__(self):
        return self.friendly_name or self.device_name or self.device_id
