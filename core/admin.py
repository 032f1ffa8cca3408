"""Admin for instance settings: the /api/v2 key (shown on its page, rotatable) and monitoring;
and the failed admin logins django-axes counts (deleting one lifts its lock).

The key is masked in the list (only its last characters) and shown whole on its own page, where
an admin copies it into clients. ``TAUTULLI_API_KEY`` in the environment overrides the stored
key (settings.py); the page says so, and rotating then changes only the stored key.
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from core.admin_kit.secrets import mask_tail

from .models import ApiKey, MonitoringSettings


def _env_overrides() -> bool:
    return bool(getattr(settings, "TAUTULLI_API_KEY", ""))


@admin.register(ApiKey)
class ApiKeyAdmin(ModelAdmin):
    list_display = ("__str__", "masked_key", "in_force", "created_at")
    fields = ("key", "in_force", "created_at")
    readonly_fields = ("key", "in_force", "created_at")
    actions = ("rotate_keys",)
    actions_submit_line = ("rotate",)

    def changelist_view(self, request, extra_context=None):
        """The key row always exists, so there is always a page to show and rotate it."""
        if not ApiKey.objects.exists():
            ApiKey.objects.create(key=ApiKey.generate())
        if _env_overrides():
            self.message_user(request, self._env_note(), messages.WARNING)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @staticmethod
    def _env_note() -> str:
        return _(
            "TAUTULLI_API_KEY is set in the environment (key ending “%(tail)s”) and overrides "
            "the stored key: clients must use the environment's key. Rotating here changes "
            "only the stored key, which takes effect once TAUTULLI_API_KEY is unset."
        ) % {"tail": settings.TAUTULLI_API_KEY[-4:]}

    @admin.display(description=_("key"))
    def masked_key(self, obj: ApiKey) -> str:
        return mask_tail(obj.key)

    @admin.display(description=_("in force"))
    def in_force(self, obj: ApiKey) -> str:
        if _env_overrides():
            return _("No: overridden by TAUTULLI_API_KEY from the environment")
        return _("Yes")

    def _rotated(self, request) -> None:
        ApiKey.rotate()
        self.message_user(
            request,
            _("The API key was rotated: clients using the old key are now refused."),
            messages.SUCCESS,
        )
        if _env_overrides():
            self.message_user(request, self._env_note(), messages.WARNING)

    @admin.action(description=_("Rotate the API key"))
    def rotate_keys(self, request, queryset):
        """Replace the stored key by a new random one (32 hex characters)."""
        self._rotated(request)

    @action(description=_("Rotate key"))
    def rotate(self, request, obj: ApiKey):
        """The change page's "Rotate key" button (a POST, like the form it belongs to)."""
        self._rotated(request)


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(ModelAdmin):
    """One page of settings: the list goes straight to it; it cannot be added twice or deleted."""

    fieldsets = (
        (
            _("Watched"),
            {
                "fields": (
                    "movie_watched_percent",
                    "tv_watched_percent",
                    "music_watched_percent",
                    "watched_marker",
                )
            },
        ),
        (_("History"), {"fields": ("logging_ignore_interval",)}),
        (
            _("Notifications"),
            {
                "fields": (
                    "notify_concurrent_threshold",
                    "notify_concurrent_by_ip",
                    "notify_recently_added_delay",
                    "notify_group_recently_added_grandparent",
                    "notify_group_recently_added_parent",
                ),
                "description": _(
                    "Empty fields use the environment's value, else Tautulli's default."
                ),
            },
        ),
        (
            _("Guest access"),
            {
                "fields": ("allow_guest_access",),
                "description": _(
                    "Also switch it on for each user allowed in (Users › a user › Allow "
                    "guest). Turning either off ends that guest's access at their next request."
                ),
            },
        ),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        MonitoringSettings.objects.get_or_create(pk=1)
        return redirect(reverse("admin:core_monitoringsettings_change", args=[1]))


@admin.register(AccessAttempt)
class FailedLoginAdmin(ModelAdmin):
    """Failed admin logins per username and address (django-axes; ``AXES_ENABLE_ADMIN`` is off,
    its own admin is not unfold's and its IP filter fails on PostgreSQL). Deleting a row lifts
    that lock, as ``manage.py axes_reset`` does for every lock."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    fields = ("username", "ip_address", "user_agent", "path_info", "failures_since_start")
    readonly_fields = fields

    def lookup_allowed(self, lookup, value, request=None):
        """No ``?ip_address=`` filter (a 400, as any lookup not allowed): PostgreSQL answers a
        value that is not an address with a server error. The search finds addresses."""
        return not lookup.startswith("ip_address") and super().lookup_allowed(
            lookup, value, request
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
