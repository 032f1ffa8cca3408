"""Admin for notification agents, the notification log and Remote App devices.

Notifiers (:class:`NotifierAdmin`):

* adding one starts with the list of agents (:class:`~notifications.forms.AgentPickerForm`);
  :func:`notifications.notifiers.add_notifier` creates it with the agent's defaults and every
  trigger off, then its change page opens;
* the change page is the agent's own form (:func:`notifications.forms.notifier_form_class`):
  its options, a switch with subject and body per trigger, the custom conditions; it is saved
  with :func:`notifications.notifiers.set_notifier_config`, the rule the API uses. Secrets are
  write-only (shown as the mask, kept when the mask is sent back);
* below the form: the parameter reference, a preview of a trigger's texts with the latest play
  (:mod:`notifications.preview`) and a "Send test" button (POST, change permission) that
  delivers at once with :func:`notifications.delivery.send_now` and reports the outcome;
* the list never shows ``config``; a notifier whose last ``Notifier.FAILING_AFTER``
  notifications all failed is flagged with its last error.

The notification log is read-only, filtered by notifier, action, success and date, with each
delivery attempt inline. Device tokens are never shown.
"""

import segno
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import DropdownFilter
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin_kit.mixins import BigTableAdminMixin, ReadOnlyAdminMixin

from .actions import NOTIFIER_ACTIONS, TRIGGER_CHOICES
from .agents import agent_by_id, unavailable_agents
from .delivery import send_now
from .devices import REGISTRATION_SECONDS, issue_registration_token
from .forms import (
    AgentPickerForm,
    NotifierFormBase,
    PreviewForm,
    SendTestForm,
    condition_field_names,
    notifier_form_class,
    option_help,
)
from .models import DeliveryAttempt, MobileDevice, Notifier, NotifierTrigger, NotifyLog
from .notifiers import add_notifier, set_notifier_config
from .parameters.catalog import catalog


def notifier_fieldsets(form_class: type[NotifierFormBase], notifier: Notifier) -> list:
    """The change page's sections for ``notifier``'s form class: the notifier and the agent's
    options (its help entries as the section's description). The triggers and conditions are
    tables below them (``triggers.html``, :func:`form_tables`); their fields are declared on
    the form, so they are part of it without being listed here."""
    agent = form_class.agent
    help_texts = option_help(agent.options(notifier.config))
    return [
        (None, {"fields": ("agent_label", "friendly_name", "delivery_health")}),
        (
            _("Settings"),
            {
                "fields": form_class.option_names,
                "description": " ".join(help_texts),
            },
        ),
    ]


def form_tables(form: NotifierFormBase) -> dict:
    """The bound fields of the triggers table (``[(label, enabled, subject, body)]`` in
    ``NOTIFIER_ACTIONS`` order) and the conditions table (``[(number, parameter, operator, values)]``)."""
    return {
        "trigger_rows": [
            (a.label, form[a.value], form[f"{a.value}_subject"], form[f"{a.value}_body"])
            for a in NOTIFIER_ACTIONS
        ],
        "condition_rows": [
            (n, *(form[name] for name in condition_field_names(n)))
            for n in range(1, form.condition_rows + 1)
        ],
        "logic_field": form["custom_conditions_logic"],
    }


@admin.register(Notifier)
class NotifierAdmin(ModelAdmin):
    """Notification agents: picked from a list, configured with their own form (module doc)."""

    list_display = (
        "__str__",
        "agent_label",
        "active_flag",
        "last_triggered",
        "health",
    )
    search_fields = ("friendly_name", "agent_name", "agent_label")
    readonly_fields = ("agent_label", "delivery_health")
    change_form_after_template = "admin/notifications/notifier/triggers.html"
    change_form_outer_after_template = "admin/notifications/notifier/tools.html"
    warn_unsaved_form = False

    def get_queryset(self, request):
        """With ``last_triggered`` (the latest notify_log time) and ``active`` (any trigger
        on), two subqueries."""
        latest = NotifyLog.objects.filter(notifier_id=OuterRef("pk")).order_by("-timestamp")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_triggered=Subquery(latest.values("timestamp")[:1]),
                active=Exists(
                    NotifierTrigger.objects.filter(notifier=OuterRef("pk"), enabled=True)
                ),
            )
        )

    @admin.display(description=_("active"), boolean=True, ordering="active")
    def active_flag(self, obj):
        return obj.active

    @admin.display(description=_("last triggered"), ordering="last_triggered")
    def last_triggered(self, obj):
        return obj.last_triggered

    @admin.display(description=_("delivery"))
    def health(self, obj):
        """ "Failing" with the last error once ``FAILING_AFTER`` notifications in a row failed."""
        if obj.failed_deliveries >= Notifier.FAILING_AFTER:
            return format_html(
                '<span class="notifier-failing font-semibold text-red-700 dark:text-red-400">'
                "{}</span> {}",
                _("Failing (%(n)d in a row)") % {"n": obj.failed_deliveries},
                obj.last_error,
            )
        return _("OK")

    @admin.display(description=_("delivery health"))
    def delivery_health(self, obj):
        return self.health(obj) if obj and obj.pk else ""

    # -- the form ------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = notifier_form_class(obj)
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("friendly_name",)})]
        return notifier_fieldsets(notifier_form_class(obj), obj)

    def save_model(self, request, obj, form, change):
        """Through ``set_notifier_config`` with Tautulli's form values (validated by the form)."""
        set_notifier_config(obj, form.tautulli_values)

    def save_related(self, request, form, formsets, change):
        """Triggers are saved by :meth:`save_model`; there are no inlines."""

    # -- adding: the agent picker ----------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """GET: the agents to choose from; POST ``agent_id``: the new notifier's change page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AgentPickerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            notifier = add_notifier(form.cleaned_data["agent_id"])
            self.log_addition(request, notifier, [{"added": {}}])
            self.message_user(
                request,
                _("%(agent)s notifier added: configure it and switch its triggers on.")
                % {"agent": notifier.agent_label},
                messages.SUCCESS,
            )
            return redirect(self._change_url(notifier))
        agents = []
        for agent_id, label in form.fields["agent_id"].choices:
            agent = agent_by_id(agent_id)
            agents.append(
                {"id": agent_id, "label": label, "description": getattr(agent, "description", "")}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add a notification agent"),
            "opts": self.opts,
            "agents": agents,
            "unavailable": unavailable_agents(),
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/notifications/notifier/agent_picker.html", context)

    def _change_url(self, notifier: Notifier) -> str:
        return reverse(f"{self.admin_site.name}:notifications_notifier_change", args=[notifier.pk])

    # -- the tools below the form: reference, preview, send test ----------------------------

    def get_urls(self):
        send_test = self.admin_site.admin_view(require_POST(self.send_test_view))
        return [
            path("<int:object_id>/send-test/", send_test, name="notifications_notifier_test"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            from .preview import preview

            context.update(form_tables(context["adminform"].form))
            preview_form = PreviewForm(request.GET if "preview" in request.GET else None)
            context["preview_form"] = preview_form
            if preview_form.is_bound and preview_form.is_valid():
                context["preview"] = preview(obj, preview_form.cleaned_data["preview"])
            context["send_test_form"] = SendTestForm.for_agent(_agent_or_none(obj))
            context["send_test_url"] = reverse(
                f"{self.admin_site.name}:notifications_notifier_test", args=[obj.pk]
            )
            context["can_send_test"] = self.has_change_permission(request, obj)
            context["parameter_catalog"] = catalog()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def send_test_view(self, request, object_id):
        """POST: deliver a test notification now (``send_now``, action ``test``) and report the
        outcome as a message; change permission on the notifier is required."""
        notifier = get_object_or_404(Notifier, pk=object_id)
        if not self.has_change_permission(request, notifier):
            raise PermissionDenied
        form = SendTestForm(request.POST)
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        _log, success, message = send_now(
            notifier, "test", subject=data.get("subject", ""), body=data.get("body", "")
        )
        if success:
            self.message_user(
                request,
                _("Test notification sent with %(notifier)s. %(note)s")
                % {"notifier": notifier, "note": message},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("Test notification failed: %(reason)s") % {"reason": message},
                messages.ERROR,
            )
        return redirect(self._change_url(notifier))


def _agent_or_none(notifier):
    try:
        return agent_by_id(notifier.agent_id)
    except KeyError:
        return None


class NotifyActionFilter(DropdownFilter):
    """Tautulli's notify actions (a fixed list: no SELECT DISTINCT over the log)."""

    title = _("notify action")
    parameter_name = "notify_action"

    def lookups(self, request, model_admin):
        return [*TRIGGER_CHOICES, ("test", _("Test")), ("api", _("API notify"))]

    def queryset(self, request, queryset):
        return queryset.filter(notify_action=self.value()) if self.value() else queryset


class NotifierFilter(DropdownFilter):
    """The notifiers (a small table), by id: the log stores ``notifier_id``, not a key."""

    title = _("notifier")
    parameter_name = "notifier"

    def lookups(self, request, model_admin):
        return [(str(n.pk), f"{n} (#{n.pk})") for n in Notifier.objects.order_by("id")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(notifier_id=int(value)) if value and value.isdigit() else queryset


class DeliveryAttemptInline(ReadOnlyAdminMixin, TabularInline):
    model = DeliveryAttempt
    fields = ("attempted_at", "success", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(NotifyLog)
class NotifyLogAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    """Every attempted notification (read-only; can grow large, so counted cheaply)."""

    list_display = (
        "timestamp",
        "notifier_id",
        "agent_name",
        "notify_action",
        "user",
        "success",
        "attempts",
        "error",
    )
    list_filter = (NotifierFilter, NotifyActionFilter, "success")
    list_filter_submit = True
    date_hierarchy = "timestamp"
    ordering = ("-timestamp", "-id")
    sortable_by = ("timestamp",)
    list_per_page = 50
    inlines = (DeliveryAttemptInline,)


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
    change_list_template = "admin/notifications/mobiledevice/change_list.html"

    def has_add_permission(self, request):
        """Devices register themselves through the API (``register_device``): see
        :meth:`register_view`."""
        return False

    def get_urls(self):
        register = self.admin_site.admin_view(self.register_view)
        return [
            path("register/", register, name="notifications_mobiledevice_register"),
            *super().get_urls(),
        ]

    def register_view(self, request):
        """A QR code for the Tautulli Remote App: ``<server URL>|<registration token>`` (the
        app's format), the token valid 5 minutes and for ``register_device`` only. Staff with
        the permission to change devices only (the token lets a phone in)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        server_url = request.GET.get("url") or request.build_absolute_uri("/").rstrip("/")
        token = issue_registration_token()
        qr_svg = segno.make(f"{server_url}|{token}", error="m").svg_inline(scale=6)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a Tautulli Remote App device"),
            "opts": self.opts,
            "server_url": server_url,
            "token": token,
            "qr_svg": qr_svg,
            "minutes": REGISTRATION_SECONDS // 60,
        }
        return TemplateResponse(request, "admin/notifications/mobiledevice/register.html", context)
