"""Deletion candidates (issue 14): rule sets over the inventory and its watch statistics, the
items they name, the admin's review of them, and the audit of every action taken.

* :class:`MediaService` — a Radarr, Sonarr, Overseerr or Jellyseerr this install talks to.
* :class:`ExternalMedia` — what those services know of an item (their id, status, requester,
  size on disk), copied locally so that a rule reads it in SQL.
* :class:`RuleSet` and its :class:`Rule` rows — Maintainerr's shape: numbered sections of
  conditions, each condition joined to the previous one with AND / OR, the first condition of a
  section joining the section to the previous sections. Evaluated in the database
  (:mod:`housekeeping.engine`).
* :class:`Candidate` — an item a rule set names, with its trace and status.
* :class:`Exclusion` — an item kept for good (for one rule set or all), its children with it.
* :class:`ActionLog` — the audit: one row per action, real or dry-run, written before the action
  starts and completed after it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from libraries.models import Library, LibraryMedia
from servers.models import Server
from users.models import User


class MediaService(models.Model):
    """A Radarr / Sonarr (v3 API) or Overseerr / Jellyseerr (v1 API) instance.

    ``api_key`` is write-only: never rendered by the admin, the API or the logs. ``servers``
    limits the Plex servers whose items it may hold (empty: any).
    """

    RADARR = "radarr"
    SONARR = "sonarr"
    OVERSEERR = "overseerr"
    JELLYSEERR = "jellyseerr"
    KINDS = [
        (RADARR, "Radarr"),
        (SONARR, "Sonarr"),
        (OVERSEERR, "Overseerr"),
        (JELLYSEERR, "Jellyseerr"),
    ]

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=KINDS)
    url = models.URLField(help_text="Base URL, e.g. http://localhost:7878")
    api_key = models.CharField(max_length=255, blank=True)
    verify_ssl = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    servers = models.ManyToManyField(
        Server, blank=True, related_name="media_services", help_text="Empty: every server."
    )
    synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    sync_error = models.TextField(blank=True, default="", editable=False)
    disk_free = models.BigIntegerField(null=True, blank=True, editable=False, help_text="bytes")
    disk_total = models.BigIntegerField(null=True, blank=True, editable=False, help_text="bytes")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class ExternalMedia(models.Model):
    """One movie (Radarr), series (Sonarr) or request (Overseerr/Jellyseerr) as the service
    last listed it. Matched to the inventory by ``tmdb_id`` (movies) or ``tvdb_id`` (shows).

    ``status``: Sonarr's series status (``continuing``, ``ended``, ``upcoming``, ``deleted``);
    Radarr's movie status; Overseerr's media status. ``size_on_disk`` bytes.
    """

    service = models.ForeignKey(MediaService, on_delete=models.CASCADE, related_name="media")
    external_id = models.IntegerField(help_text="The service's own id (movie, series, request)")
    media_type = models.CharField(max_length=16, help_text="movie or show")
    title = models.TextField(blank=True, default="")
    year = models.IntegerField(null=True, blank=True)
    tmdb_id = models.CharField(max_length=32, blank=True, default="")
    tvdb_id = models.CharField(max_length=32, blank=True, default="")
    imdb_id = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(max_length=32, blank=True, default="")
    monitored = models.BooleanField(null=True)
    path = models.TextField(blank=True, default="")
    size_on_disk = models.BigIntegerField(null=True, blank=True, help_text="bytes")
    requested_by = models.TextField(blank=True, default="")
    requested_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Service-specific details")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "media_type", "external_id"], name="uniq_external_media"
            )
        ]
        indexes = [
            models.Index(fields=["tmdb_id"], name="external_media_tmdb"),
            models.Index(fields=["tvdb_id"], name="external_media_tvdb"),
        ]

    def __str__(self):
        return f"{self.title} ({self.service.name})"


class RuleSet(models.Model):
    """A named set of rules over some libraries' items of one scope, with what to do with the
    items it names.

    ``grace_days``: an item becomes due that many days after it first matched. ``pressure_tiers``
    shortens it as free space falls (Janitorr's tiers): ``[{"free_below_percent": 10,
    "grace_days": 30}, ...]``, the lowest matching threshold wins. ``schedule`` is a 5-field cron
    (django-q2 runs :func:`housekeeping.tasks.run_rule_set`). ``dry_run`` (on by default) records
    what would be done and sends nothing.
    """

    SCOPE_MOVIE = "movie"
    SCOPE_SHOW = "show"
    SCOPE_SEASON = "season"
    SCOPE_EPISODE = "episode"
    SCOPE_ARTIST = "artist"
    SCOPE_ALBUM = "album"
    SCOPES = [
        (SCOPE_MOVIE, "Movies"),
        (SCOPE_SHOW, "Shows"),
        (SCOPE_SEASON, "Seasons"),
        (SCOPE_EPISODE, "Episodes"),
        (SCOPE_ARTIST, "Artists"),
        (SCOPE_ALBUM, "Albums"),
    ]

    ACTION_DELETE = "delete"
    ACTION_UNMONITOR = "unmonitor"
    ACTION_UNMONITOR_DELETE = "unmonitor_delete"
    ACTION_NOTHING = "nothing"
    ACTIONS = [
        (ACTION_DELETE, "Delete files (through Radarr/Sonarr, else Plex)"),
        (ACTION_UNMONITOR_DELETE, "Unmonitor and delete files"),
        (ACTION_UNMONITOR, "Unmonitor only (keep files)"),
        (ACTION_NOTHING, "Do nothing (list and record only)"),
    ]

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, default="")
    libraries = models.ManyToManyField(Library, related_name="rule_sets")
    scope = models.CharField(max_length=16, choices=SCOPES, default=SCOPE_MOVIE)
    is_active = models.BooleanField(default=True)
    dry_run = models.BooleanField(
        default=True, help_text="Record what would be done; send nothing to Radarr/Sonarr/Plex."
    )
    action = models.CharField(max_length=20, choices=ACTIONS, default=ACTION_DELETE)
    grace_days = models.PositiveIntegerField(
        default=30, help_text="Days between becoming a candidate and the action."
    )
    pressure_tiers = models.JSONField(
        default=list,
        blank=True,
        help_text='Shorter grace periods as free space falls: [{"free_below_percent": 10, '
        '"grace_days": 30}, {"free_below_percent": 5, "grace_days": 15}]',
    )
    schedule = models.CharField(
        max_length=100, default="0 3 * * *", help_text="When the rules run (5-field cron)."
    )
    add_import_exclusion = models.BooleanField(
        default=True, help_text="Add a Radarr/Sonarr import-list exclusion when deleting."
    )
    delete_show_if_empty = models.BooleanField(
        default=False, help_text="Sonarr: delete the series once its last season is deleted."
    )
    clear_requests = models.BooleanField(
        default=True, help_text="Clear the Overseerr/Jellyseerr request of a deleted item."
    )
    leaving_soon_collection = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="Name of a Plex collection kept in step with the candidates (empty: none).",
    )
    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("act_on_candidates", "Can act on deletion candidates (keep, postpone, delete)"),
        ]

    def __str__(self):
        return self.name


# A rule set's settings besides its name, libraries and rules: what its admin form edits and
# its YAML carries.
RULE_SET_SETTINGS = (
    "description",
    "scope",
    "is_active",
    "dry_run",
    "action",
    "grace_days",
    "pressure_tiers",
    "schedule",
    "add_import_exclusion",
    "delete_show_if_empty",
    "clear_requests",
    "leaving_soon_collection",
)


class Rule(models.Model):
    """One condition of a rule set: ``field`` ``operator`` ``value``.

    ``section`` numbers the groups; within a section each condition after the first is joined
    to the conditions before it by ``join`` (left to right, Maintainerr's evaluation); the first
    condition of a section joins the whole section to the sections before it. ``value`` is JSON:
    a number, a string, a date (ISO), a list; ``users`` is the user (or group of users) a
    per-user field reads.
    """

    AND = "and"
    OR = "or"
    JOINS = [(AND, "AND"), (OR, "OR")]

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    section = models.PositiveIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    join = models.CharField(max_length=3, choices=JOINS, default=AND)
    field = models.CharField(max_length=40)
    operator = models.CharField(max_length=24)
    value = models.JSONField(null=True, blank=True)
    users = models.ManyToManyField(User, blank=True, related_name="+")

    class Meta:
        ordering = ["rule_set_id", "section", "position", "id"]

    def __str__(self):
        return f"{self.field} {self.operator} {self.value!r}"


class CandidateQuerySet(models.QuerySet):
    def open(self):
        """Candidates still waiting: pending, postponed or failed (to retry)."""
        return self.filter(status__in=Candidate.OPEN)


class Candidate(models.Model):
    """An item (movie, show, season, episode, artist, album) a rule set names.

    ``first_matched_at`` is when it became a candidate; ``due_at`` when its action is due (the
    grace period, shortened under disk pressure, or a postponement); ``size`` the bytes the action
    would free, when it matched; ``trace`` each condition with the item's value and result:
    ``[{"section", "join", "field", "operator", "value", "actual", "result"}]``.
    """

    PENDING = "pending"
    POSTPONED = "postponed"
    KEPT = "kept"
    EXCLUDED = "excluded"
    ACTING = "acting"
    ACTED = "acted"
    FAILED = "failed"
    STATUSES = [
        (PENDING, "Pending"),
        (POSTPONED, "Postponed"),
        (KEPT, "Kept"),
        (EXCLUDED, "Excluded"),
        (ACTING, "Acting"),
        (ACTED, "Acted"),
        (FAILED, "Failed"),
    ]
    OPEN = (PENDING, POSTPONED, FAILED)

    rule_set = models.ForeignKey(
        RuleSet,
        on_delete=models.CASCADE,
        related_name="candidates",
        db_index=False,  # uniq_candidate and candidate_due lead with it
    )
    item = models.ForeignKey(LibraryMedia, on_delete=models.CASCADE, related_name="candidates")
    status = models.CharField(max_length=12, choices=STATUSES, default=PENDING)
    first_matched_at = models.DateTimeField()
    last_matched_at = models.DateTimeField()
    due_at = models.DateTimeField()
    size = models.BigIntegerField(null=True, blank=True, help_text="bytes")
    trace = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True, default="", help_text="Last failure, one line")
    notified_due_at = models.DateTimeField(
        null=True, blank=True, help_text="The due date last announced ('action due in N days')"
    )
    acted_at = models.DateTimeField(null=True, blank=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule_set", "item"], name="uniq_candidate")]
        indexes = [
            # A rule set's candidates by due date (the admin's list, the runs' due actions): the
            # index is walked in order and the status checked on the way, no sort.
            models.Index(fields=["rule_set", "due_at", "id"], name="candidate_due"),
            models.Index(fields=["status", "due_at"], name="candidate_status_due"),
        ]

    def __str__(self):
        return f"{self.item} ({self.rule_set})"


class Exclusion(models.Model):
    """An item kept for good: never a candidate again, for ``rule_set`` (null: every rule set).
    Keeping a show keeps its seasons and episodes (the engine matches on the item and its
    parent and grandparent keys)."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="+")
    rating_key = models.IntegerField()
    title = models.TextField(blank=True, default="")
    rule_set = models.ForeignKey(
        RuleSet, null=True, blank=True, on_delete=models.CASCADE, related_name="exclusions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["server", "rating_key", "rule_set"], name="uniq_exclusion"
            ),
            models.UniqueConstraint(
                fields=["server", "rating_key"],
                condition=Q(rule_set__isnull=True),
                name="uniq_exclusion_all",
            ),
        ]

    def __str__(self):
        return self.title or f"Item {self.rating_key}"


class ActionLog(models.Model):
    """The audit: one row per action on a candidate (delete, unmonitor, keep, postpone, collection
    changes), real or dry-run.

    Written with ``status`` started *before* anything is sent, completed after: an action cut
    short (a crash, a restart) stays "started" and is reported and resumed by the next run
    (:func:`housekeeping.actions.resume_interrupted`). ``actor`` is the admin user; ``actor_label``
    says who in words ("schedule", "api", "admin: alice"). ``requests`` lists what was sent
    (method, service, path; never a key); ``files`` the paths and ``size`` the bytes concerned.
    """

    STARTED = "started"
    DONE = "done"
    DRY_RUN = "dry_run"
    FAILED = "failed"
    STATUSES = [(STARTED, "Started"), (DONE, "Done"), (DRY_RUN, "Dry run"), (FAILED, "Failed")]

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, default="")
    rule_set = models.ForeignKey(
        RuleSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_logs"
    )
    rule_set_name = models.CharField(max_length=200, blank=True, default="")
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_logs"
    )
    server_id = models.BigIntegerField(null=True, blank=True)
    rating_key = models.IntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=16, blank=True, default="")
    title = models.TextField(blank=True, default="")
    action = models.CharField(max_length=32)
    dry_run = models.BooleanField(default=False)
    target = models.CharField(
        max_length=200, blank=True, default="", help_text="radarr:Name, sonarr:Name, plex, ..."
    )
    files = models.JSONField(default=list, blank=True)
    size = models.BigIntegerField(null=True, blank=True, help_text="bytes")
    trace = models.JSONField(default=list, blank=True)
    requests = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=STARTED)
    result = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["server_id", "rating_key"], name="action_log_item"),
            models.Index(fields=["status"], name="action_log_status"),
        ]

    def __str__(self):
        return f"{self.action} {self.title} ({self.get_status_display()})"

    @classmethod
    def record(cls, candidate: "Candidate", **fields) -> "ActionLog":
        """Write an audit row about ``candidate``: its rule set, item (server, rating key,
        type, title), size and trace, overridden or completed by ``fields``."""
        item = candidate.item
        values = {
            "rule_set": candidate.rule_set,
            "rule_set_name": candidate.rule_set.name,
            "candidate": candidate,
            "server_id": item.server_id,
            "rating_key": item.rating_key,
            "media_type": item.media_type,
            "title": str(item.title or item),
            "size": candidate.size,
            "trace": candidate.trace,
            **fields,
        }
        return cls.objects.create(**values)
