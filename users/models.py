"""Plex users (plex.tv accounts) as Tautulli keeps them, plus Tautulli's web login log."""

from django.db import models
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Trim
from django.db.models.lookups import Exact

DEFAULT_USER_THUMB = "interfaces/default/images/gravatar-default-80x80.png"


def friendly_name_or_username(friendly_name: str | None, username: str | None) -> str | None:
    """Tautulli's friendly name: ``friendly_name`` unless NULL or blank after TRIM, else the
    username (its ``CASE WHEN friendly_name IS NULL OR TRIM(friendly_name) = ''``)."""
    if friendly_name is None or not friendly_name.strip():
        return username
    return friendly_name


def user_thumb_url(custom_avatar_url: str | None, thumb: str | None) -> str:
    """Custom avatar, else the plex.tv avatar, else Tautulli's default gravatar path."""
    return custom_avatar_url or thumb or DEFAULT_USER_THUMB


class UserQuerySet(models.QuerySet):
    def active(self):
        """Users not deleted in Tautulli's sense (``deleted_user = 0``)."""
        return self.filter(deleted_user=False)

    def with_display_name(self):
        """Annotate ``display_friendly_name``: :func:`friendly_name_or_username` in SQL
        (``friendly_name`` unless NULL or blank after TRIM, else ``username``)."""
        return self.annotate(
            display_friendly_name=Case(
                When(friendly_name__isnull=True, then=F("username")),
                When(Exact(Trim("friendly_name"), Value("")), then=F("username")),
                default=F("friendly_name"),
                output_field=CharField(),
            )
        )


class User(models.Model):
    """A plex.tv account that can play on the watched servers (Tautulli's ``users`` row).

    ``user_id`` is the plex.tv account id (0 = "Local", DLNA and unauthenticated clients); it is
    what history rows, the API and every client refer to. Accounts are global: one user may play
    on several of the watched servers. ``user_token``/``server_token`` are secrets (never shown).
    ``placeholder`` marks users created by an import for history whose user row was gone.
    """

    user_id = models.BigIntegerField(unique=True, null=True)
    username = models.TextField()
    friendly_name = models.TextField(null=True, blank=True)
    thumb = models.TextField(null=True, blank=True)
    custom_avatar_url = models.TextField(null=True, blank=True)
    title = models.TextField(null=True, blank=True)
    email = models.TextField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_admin = models.BooleanField(default=False)
    is_home_user = models.BooleanField(null=True)
    is_allow_sync = models.BooleanField(null=True)
    is_restricted = models.BooleanField(null=True)
    do_notify = models.BooleanField(default=True)
    keep_history = models.BooleanField(default=True)
    deleted_user = models.BooleanField(default=False)
    allow_guest = models.BooleanField(default=False)
    user_token = models.TextField(null=True, blank=True)
    server_token = models.TextField(null=True, blank=True)
    shared_libraries = models.TextField(
        null=True, blank=True, help_text="';'-joined section ids, as Tautulli stores them"
    )
    filter_all = models.TextField(null=True, blank=True)
    filter_movies = models.TextField(null=True, blank=True)
    filter_tv = models.TextField(null=True, blank=True)
    filter_music = models.TextField(null=True, blank=True)
    filter_photos = models.TextField(null=True, blank=True)
    placeholder = models.BooleanField(
        default=False, help_text="Created for history whose user was no longer known."
    )

    objects = UserQuerySet.as_manager()

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["username"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """Tautulli's friendly name: ``friendly_name`` unless blank (spaces only), else username."""
        return friendly_name_or_username(self.friendly_name, self.username)

    @property
    def user_thumb(self) -> str:
        """Custom avatar, else plex.tv thumb, else Tautulli's default gravatar path."""
        return user_thumb_url(self.custom_avatar_url, self.thumb)

    @property
    def shared_library_ids(self) -> list[str]:
        return [s for s in (self.shared_libraries or "").split(";") if s]


class UserLogin(models.Model):
    """A sign-in to this server's web interface (Tautulli's ``user_login``), written by
    :mod:`users.logins`, or one to Tautulli's imported for the record. ``user_id`` is the plex.tv
    id of an account linked to one (else null), ``user_group`` "admin" (staff) or "guest"
    (null for a refused sign-in), ``ip_address`` the connection's, ``host`` the address the client
    used ("http://host:port"). ``expiry`` and ``jwt_token`` exist for imported rows only."""

    timestamp = models.DateTimeField(null=True)
    user_id = models.BigIntegerField(null=True)
    user = models.TextField(null=True, blank=True)
    user_group = models.TextField(null=True, blank=True)
    ip_address = models.TextField("IP address", null=True, blank=True)
    host = models.TextField(null=True, blank=True)
    user_agent = models.TextField(null=True, blank=True)
    success = models.BooleanField(default=True)
    expiry = models.TextField(null=True, blank=True)
    jwt_token = models.TextField(null=True, blank=True)

    class Meta:
        verbose_name = "web login"
        # The admin's list: newest first, by day (date_hierarchy).
        indexes = [
            models.Index(fields=["user_id", "timestamp"]),
            models.Index(fields=["timestamp"]),
        ]


class AccountLink(models.Model):
    """The sign-in account (``auth.User``) of a plex.tv account: the server owner (staff) or a
    guest (a shared user, not staff) who signed in with Plex. One per plex.tv account and per
    sign-in account. ``plex_user_id`` is the plex.tv account id (:attr:`User.user_id`); for a
    guest it names the only user whose data the guest pages show."""

    auth_user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="plex_account"
    )
    plex_user_id = models.BigIntegerField(unique=True)
    is_owner = models.BooleanField(default=False)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Plex account link"

    def __str__(self):
        return f"{self.auth_user} ↔ plex.tv {self.plex_user_id}"
