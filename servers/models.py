"""Plex Media Servers and their live sessions.

Every session, history row, library and recently-added row belongs to a :class:`Server`: unlike
Tautulli, several Plex servers are watched at once.
"""

from urllib.parse import urlsplit

from django.db import models

from .columns import ItemColumns, LiveChannelColumns, MediaInfoColumns, item_keys

# The demo's PMS (plex.demo) reports this machine identifier; its row is recognised by it and a
# loopback URL (Server.is_demo).
DEMO_MACHINE_IDENTIFIER = "demo" + "0" * 36
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class ServerQuerySet(models.QuerySet):
    def default(self) -> "Server | None":
        """The server that Tautulli commands without a ``server`` parameter answer for; None
        when there is none.

        The first (by id) that can answer, in this order: a real server that is active, has a
        URL and was last seen up; one of those whose state is not known yet (just added); the
        demo (only while no real server can answer); then, as before any connection, the first
        active server, else the first. So an imported server without a URL, or one that is
        down, never hides a server that works (issue 10).
        """

        def rank(server: Server) -> tuple:
            usable = server.is_active and bool(server.url) and server.connected is not False
            if usable and not server.is_demo:
                return (0 if server.connected else 1, server.pk)
            if usable:
                return (2, server.pk)
            return (3, not server.is_active, server.pk)

        # A handful of rows: ranked in Python, the demo test needs the URL's host.
        return min(self.all(), key=rank, default=None)

    def joinable(self, machine_identifier: str) -> "Server | None":
        """The server a PMS reporting ``machine_identifier`` is (one row per PMS), if any."""
        if not machine_identifier:
            return None
        return self.filter(machine_identifier=machine_identifier).first()

    def lookup(self, value: str) -> "Server | None":
        """The server named by ``value``: its id (decimal digits), machine identifier or name,
        tried in that order; None when no server matches."""
        by_id = None
        if value.isascii() and value.isdigit() and len(value) <= 18:  # fits a 64-bit id
            by_id = self.filter(pk=int(value)).first()
        return (
            by_id
            or self.filter(machine_identifier=value).first()
            or self.filter(name=value).first()
        )


class Server(models.Model):
    """A Plex Media Server (``PlexServer`` in plexapi).

    ``token`` is write-only: it is never rendered by the admin list, the API or the logs.
    ``machine_identifier`` is PMS's ``machineIdentifier`` (Tautulli's ``PMS_IDENTIFIER`` and
    ``library_sections.server_id``).
    """

    name = models.CharField(max_length=255)
    url = models.URLField(max_length=500, blank=True, help_text="e.g. http://192.168.1.10:32400")
    machine_identifier = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token = models.CharField(max_length=255, blank=True)
    version = models.CharField(max_length=64, blank=True)
    platform = models.CharField(max_length=64, blank=True)
    plexpass = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True, help_text="Monitor this server.")
    created_at = models.DateTimeField(auto_now_add=True)

    # Connection state, owned by the monitor (plex.monitor) and the reconciling poll.
    connected = models.BooleanField(
        null=True, blank=True, editable=False, help_text="Last known reachability; empty: unknown."
    )
    connected_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_contact_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    websocket_connected = models.BooleanField(default=False, editable=False)
    down_notified = models.BooleanField(
        default=False,
        editable=False,
        help_text="on_intdown was emitted for the current outage (after 60 s down).",
    )
    # Remote access as PMS reports it (/myplex/account), owned by plex.activity.remote_access.
    remote_access_up = models.BooleanField(
        null=True,
        blank=True,
        editable=False,
        help_text="Last known state of remote access; empty: unknown or not published.",
    )
    remote_access_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    remote_access_mapping_state = models.CharField(
        max_length=32,
        blank=True,
        editable=False,
        help_text="PMS's last reported port mapping state (mapped, waiting, unknown...).",
    )
    remote_access_reason = models.TextField(
        blank=True, editable=False, help_text="Why remote access is down, as last reported."
    )
    remote_access_down_notified = models.BooleanField(
        default=False,
        editable=False,
        help_text="on_extdown was emitted for the current remote access failure (after 60 s).",
    )
    token_rejected_tag = models.CharField(
        max_length=16,
        blank=True,
        editable=False,
        help_text="Hash of the token PMS last rejected (HTTP 401), on_tokenexpired emitted for "
        "it; never the token itself.",
    )

    objects = ServerQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "" if self.url else ""

    @property
    def is_demo(self) -> bool:
        """Whether this is the demo's row: the demo's machine identifier and a loopback URL (a
        row an admin pointed at a real server is no longer the demo, even before its "Test
        connection" replaces the identifier)."""
        return self.machine_identifier == DEMO_MACHINE_IDENTIFIER and self.host in LOOPBACK_HOSTS

    @property
    def port(self) -> int:
        if not self.url:
            return 32400
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 32400)

    @property
    def ssl(self) -> bool:
        return self.url.startswith("https://")


class SessionState(models.TextChoices):
    """A live session's ``state`` (``Session.State``).

    The player's state as PMS reports it (``<Player state>`` in ``/status/sessions``, ``state`` of
    a websocket ``PlaySessionStateNotification``), stored as is, as Tautulli does (reference 3.4):
    ``playing``, ``paused``, ``buffering`` and ``error``; plus ``stopped``, which PMS only sends as
    an event: a row in that state is a stream that ended and whose history is still to be written
    (the monitor retries it). A row keeps whatever state PMS gave, even one not listed here.
    """

    PLAYING = "playing", "Playing"
    PAUSED = "paused", "Paused"
    BUFFERING = "buffering", "Buffering"
    ERROR = "error", "Error"
    STOPPED = "stopped", "Stopped, history not written yet"


# The states of a stream that goes on: the rows shown as activity and that the monitor follows.
ACTIVE_STATES = (SessionState.PLAYING, SessionState.PAUSED, SessionState.BUFFERING)


class SessionQuerySet(models.QuerySet):
    def confirmed(self):
        """The rows its server has confirmed: all but those imported from Tautulli and not yet
        reconciled with their server (``Session.confirmed``)."""
        return self.filter(confirmed=True)

    def active(self):
        """The streams that go on (:data:`ACTIVE_STATES`), not those stopped or in error, nor
        imported ones their server has not confirmed yet."""
        return self.confirmed().filter(state__in=ACTIVE_STATES)

    def confirm(self, server: "Server") -> int:
        """Mark ``server``'s imported rows confirmed; returns how many. Called by the
        reconciling poll once the server answered, just before it closes the streams PMS no
        longer lists, so imported streams are reconciled like any after a restart."""
        return self.filter(server=server, confirmed=False).update(confirmed=True)


class Session(ItemColumns, item_keys(), MediaInfoColumns, LiveChannelColumns):
    """A stream playing now: Tautulli's ``sessions`` table, one row per (server, session_key).

    Kept as Tautulli keeps it (the state machine of reference section 3.4 runs on these columns):
    times are epoch **seconds**, ``view_offset``/``duration`` are **milliseconds**,
    ``paused_counter`` is seconds, and ``stopped`` doubles as "last updated" while the stream is
    active. ``raw_stream_info`` holds the session JSON as built from PMS (the get_activity keys,
    plus the item's ``markers``), used to write history. ``refreshed_at`` and
    ``last_write_attempt`` are the monitor's own bookkeeping (not Tautulli columns), and so is
    ``confirmed``: False for a row imported from Tautulli's ``sessions`` until the reconciling
    poll reaches its server (then it goes on, or is closed and written to history once).
    """

    State = SessionState

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.IntegerField(null=True, blank=True)
    session_id = models.TextField(null=True, blank=True)
    transcode_key = models.TextField(null=True, blank=True)
    section_id = models.IntegerField(null=True, blank=True)
    started = models.BigIntegerField(null=True, blank=True)
    stopped = models.BigIntegerField(null=True, blank=True)
    paused_counter = models.IntegerField(null=True, blank=True)
    state = models.TextField(null=True, blank=True, choices=SessionState.choices)
    user_id = models.BigIntegerField(null=True, blank=True)
    user = models.TextField(null=True, blank=True)
    friendly_name = models.TextField(null=True, blank=True)
    ip_address = models.TextField(null=True, blank=True)
    machine_id = models.TextField(null=True, blank=True)
    bandwidth = models.IntegerField(null=True, blank=True)
    location = models.TextField(null=True, blank=True)
    player = models.TextField(null=True, blank=True)
    product = models.TextField(null=True, blank=True)
    platform = models.TextField(null=True, blank=True)
    added_at = models.IntegerField(null=True, blank=True)
    view_offset = models.IntegerField(null=True, blank=True)
    duration = models.IntegerField(null=True, blank=True)
    quality_profile = models.TextField(null=True, blank=True)
    live = models.IntegerField(null=True, blank=True)
    live_uuid = models.TextField(null=True, blank=True)
    secure = models.IntegerField(null=True, blank=True)
    relayed = models.IntegerField(null=True, blank=True)
    buffer_count = models.IntegerField(null=True, blank=True)
    buffer_last_triggered = models.IntegerField(null=True, blank=True)
    last_paused = models.IntegerField(null=True, blank=True)
    watched = models.IntegerField(null=True, blank=True)
    intro = models.IntegerField(null=True, blank=True)
    credits = models.IntegerField(null=True, blank=True)
    commercial = models.IntegerField(null=True, blank=True)
    marker = models.IntegerField(null=True, blank=True)
    initial_stream = models.IntegerField(null=True, blank=True)
    write_attempts = models.IntegerField(null=True, blank=True)
    raw_stream_info = models.TextField(null=True, blank=True)
    rating_key_websocket = models.TextField(null=True, blank=True)
    # The monitor's bookkeeping (plex.activity), epoch seconds.
    refreshed_at = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="epoch seconds: last refresh of the row from /status/sessions "
        "(empty: none since the stream started).",
    )
    last_write_attempt = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="epoch seconds: last failed attempt to write the history of the stopped stream.",
    )

    confirmed = models.BooleanField(
        default=True,
        help_text="False for a stream imported from Tautulli until its server's sessions are "
        "reconciled: not shown as activity, since no server has confirmed it yet.",
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["server", "session_key"])]

    def __str__(self):
        return f"{self.user} — {self.full_title}"


class SessionContinued(models.Model):
    """Last stop per (user, machine, media_type): decides ``initial_stream`` (``sessions_continued``)."""

    user_id = models.BigIntegerField(null=True)
    machine_id = models.TextField(null=True)
    media_type = models.TextField(null=True)
    stopped = models.BigIntegerField(null=True, help_text="epoch seconds")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "machine_id", "media_type"], name="uniq_session_continued"
            )
        ]


class PendingRecentlyAdded(models.Model):
    """An item PMS reported as added, waiting to be announced (reference 3.7).

    The monitor queues each library timeline entry ``state=0, metadataState=created`` here; once
    no item of the same show/artist (``group_key``) arrived for the recently-added delay, the
    group is announced with on_created (grouped show → season → episode, artist → album →
    track), de-duplicated against ``recently_added``, and deleted. Kept in the database so a
    restart loses nothing.
    """

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="pending_added")
    rating_key = models.IntegerField()
    parent_rating_key = models.IntegerField(null=True, blank=True)
    grandparent_rating_key = models.IntegerField(null=True, blank=True)
    group_key = models.IntegerField(help_text="Top-level rating key: show, artist or the item.")
    media_type = models.TextField(blank=True)
    section_id = models.IntegerField(null=True, blank=True)
    title = models.TextField(blank=True)
    queued_at = models.BigIntegerField(help_text="epoch seconds")

    class Meta:
        verbose_name_plural = "pending recently added"
        constraints = [
            models.UniqueConstraint(fields=["server", "rating_key"], name="uniq_pending_added")
        ]
        indexes = [models.Index(fields=["server", "group_key"])]
