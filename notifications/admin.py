"""Admin for notification agents, their triggers, the notify log and Remote App devices.

A notifier's ``config`` holds secrets (tokens, passwords, webhook URLs): the list never shows it,
and the change form shows it with every secret value masked (``core.admin_kit.secrets.mask_secrets``);
a masked value left as is keeps the stored secret on save. Device tokens are never shown.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import DropdownFilter
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin_kit.mixins import BigTableAdminMixin, ReadOnlyAdminMixin
from core.admin_kit.secrets import MASKED_HELP, MaskedSecretsFormMixin, MaskedSecretsJSONField
from core.events import Action

from .models import MobileDevice, Notifier, NotifierTrigger, NotifyLog


class NotifierForm(MaskedSecretsFormMixin, forms.ModelForm):
    config = MaskedSecretsJSONField(required=False, help_text=MASKED_HELP)

    class Meta:
        model = Notifier
        fields = (
            "friendly_name",
            "agent_id",
            "agent_name",
            "agent_label",
            "config",
            "custom_conditions",
            "custom_conditions_logic",
        )
        widgets = {
            name: UnfoldAdminTextInputWidget
            for name in ("friendly_name", "agent_name", "agent_label", "custom_conditions_logic")
        }


class NotifierTriggerInline(TabularInline):
    model = NotifierTrigger
    fields = ("action", "enabled", "subject", "body")
    extra = 0
    formfield_overrides = {models.TextField: {"widget": UnfoldAdminTextInputWidget}}


@admin.register(Notifier)
class NotifierAdmin(ModelAdmin):
    form = NotifierForm
    list_display = ("__str__", "agent_label", "agent_name")
    search_fields = ("friendly_name", "agent_name", "agent_label")
    inlines = (NotifierTriggerInline,)
    fields = (
        "friendly_name",
        "agent_label",
        "agent_name",
        "agent_id",
        "config",
        "custom_conditions",
        "custom_conditions_logic",
    )

    def get_readonly_fields(self, request, obj=None):
        """The agent is chosen when the notifier is created, as in Tautulli."""
        return ("agent_id", "agent_name", "agent_label") if obj is not None else ()


class NotifyActionFilter(DropdownFilter):
    """Tautulli's notify actions (a fixed list: no SELECT DISTINCT over the log)."""

    title = _("notify action")
    parameter_name = "notify_action"

    def lookups(self, request, model_admin):
        return Action.choices

    def queryset(self, request, queryset):
        return queryset.filter(notify_action=self.value()) if self.value() else queryset


@admin.register(NotifyLog)
class NotifyLogAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    """Every attempted notification (read-only; can grow large, so counted cheaply)."""

    list_display = ("timestamp", "notifier_id", "agent_name", "notify_action", "user", "success")
    list_filter = ("success", NotifyActionFilter)
    date_hierarchy = "timestamp"
    ordering = ("-timestamp", "-id")
    sortable_by = ("timestamp",)
    list_per_page = 50


@admin.register(MobileDevice)
class MobileDeviceAdmin(ModelAdmin):
    """Tautulli Remote App devices; the device token (an API credential) is never shown."""

    list_display = ("__str__", "device_name", "platform", "version", "last_seen", "official")
    search_fields = ("device_name", "friendly_name", "device_id")
    formfield_overrides = {models.TextField: {"widget": UnfoldAdminTextInputWidget}}
    readonly_fields = (
        "device_id",
        "device_name",
        "platform",
        "version",
        "onesignal_id",
        "last_seen",
        "official",
    )
    fields = ("friendly_name", *readonly_fields)
    ordering = ("-last_seen",)

    def has_add_permission(self, request):
        """Devices register themselves through the API (``register_device``)."""
        return False
