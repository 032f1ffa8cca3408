"""The audit log: who changed what, when, from where (django-auditlog).

What is tracked is declared in settings (``AUDITLOG_INCLUDE_TRACKING_MODELS``, "Audit"): the
rows an admin or the API changes (servers, users, libraries, notifiers and their triggers,
newsletters, monitoring settings, the API key, housekeeping rule sets, rules, exclusions and
media services, candidates' status, backups), each with only the fields a person changes. This
module adds what a declaration cannot say, installed by :class:`tautulli_project.apps.AuditConfig`:

* **secrets** (:func:`mask_secret`, ``AUDITLOG_MASK_CALLABLE``): a masked field is stored as
  ``********`` (empty stays empty, so "set" and "cleared" show); a JSON config keeps its other
  values, its secrets masked as the admin's form masks them (:mod:`core.admin_kit.secrets`), and
  the entry's ``additional_data["changed_keys"]`` names the config keys that changed (a token
  replaced by another shows ``******** → ********`` otherwise). The API key, server tokens, media
  services' API keys, notifier and newsletter secrets never reach an entry.
* **history deletions**: History is not tracked (millions of rows written by the monitor); a
  deleted row (the admin's "Delete selected", /api/v2 ``delete_history``) leaves one delete
  entry per row, all entries of one request sharing its correlation id (the list filters by it).
  A user's history purged with the user (``History.objects.purge``, set-based) is recorded on the
  user (``deleted_user``), not row by row.
* **candidates** come and go with every housekeeping evaluation: only their status changes are
  recorded.
* **the author**: :class:`AuditMiddleware` names the signed-in admin (auditlog's middleware,
  with the connection's address: ``X-Forwarded-For`` is the client's to choose, as for
  django-axes). A request with an API key and no signed-in user is recorded as made "with the API
  key" (``additional_data["api"]``, and the REST request); an /api/v2 command, through the
  dispatcher's hook (:data:`core.tautulli_api.dispatcher.COMMAND_HOOKS`), also names the command,
  or the Tautulli Remote device whose token was used (``app=true``).
* **the admin page** (:class:`LogEntryAdmin`, Audit log › Log entries): read-only, staff with
  the view permission only, filters by model, action, author and date, search.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

from auditlog.cid import correlation_id
from auditlog.context import auditlog_value, set_extra_data
from auditlog.middleware import AuditlogMiddleware
from auditlog.mixins import LogEntryAdminMixin
from auditlog.models import LogEntry
from auditlog.receivers import check_disable
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousOperation
from django.db.models import JSONField, Q
from django.db.models.signals import post_delete
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter

from core.admin_kit.filters import LocalDateRangeFilter
from core.admin_kit.secrets import MASK, mask_secrets
from core.tautulli_api.dispatcher import COMMAND_HOOKS
from history.models import History
from housekeeping.models import Candidate
from notifications.models import MobileDevice
from servers.models import Session

API = "api"  # additional_data key: how an API caller authenticated ("API key", "device X")
EMPTY = ("", "None", "null")


# --- secrets ------------------------------------------------------------------------------------


def mask_secret(value: str) -> str:
    """A masked field's value as stored in an entry (``AUDITLOG_MASK_CALLABLE``).

    ``value`` is auditlog's text of the field: a token or key → ``********`` (empty stays as it
    is); a JSON object or list (a notifier's ``config``) → the same JSON with its secrets masked
    (:func:`core.admin_kit.secrets.mask_secrets`: values of keys naming a secret, passwords and
    tokens inside URLs), its other values kept.
    """
    if value in EMPTY:
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return MASK
    if isinstance(parsed, dict | list):
        return json.dumps(mask_secrets(parsed), sort_keys=True, ensure_ascii=False)
    return MASK


def _masked_json_fields(model) -> list[str]:
    if not auditlog.contains(model):
        return []
    masked = auditlog.get_model_fields(model)["mask_fields"]
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.name in masked and isinstance(field, JSONField)
    ]


def _changed_keys(old, new) -> list[str]:
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    return sorted(str(k) for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _note_changed_keys(sender, instance, instance_old, action, log_entry, **kwargs):
    """post_log: name the keys of a masked JSON field that changed (key names are no secret)."""
    if log_entry is None or action != LogEntry.Action.UPDATE or instance_old is None:
        return
    changes = log_entry.changes_dict
    keys = {
        name: _changed_keys(getattr(instance_old, name), getattr(instance, name))
        for name in _masked_json_fields(sender)
        if name in changes
    }
    if keys:
        data = dict(log_entry.additional_data or {}, changed_keys=keys)
        # An update, not save(): saving again would let the request's context overwrite it.
        LogEntry.objects.filter(pk=log_entry.pk).update(additional_data=data)
        log_entry.additional_data = data


def _skip_candidate_churn(sender, instance, action, **kwargs):
    """pre_log: a candidate's creation and deletion are the evaluation's, not anyone's change."""
    if sender is Candidate and action != LogEntry.Action.UPDATE:
        return False
    return None


# --- history deletions --------------------------------------------------------------------------

HISTORY_FIELDS = ("server_id", "user_id", "username", "started", "stopped", "media_type")


@check_disable
def _history_deleted(sender, instance, **kwargs):
    """post_delete of a History row: one delete entry, what the row was (old → None)."""
    LogEntry.objects.log_create(
        instance,
        action=LogEntry.Action.DELETE,
        changes={
            name.removesuffix("_id"): [str(getattr(instance, name)), "None"]
            for name in HISTORY_FIELDS
        }
        | {"rating_key": [str(instance.rating_key), "None"]},
    )


# --- the author ---------------------------------------------------------------------------------


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (the signed-in admin is the actor), with the connection's address
    (never ``X-Forwarded-*``), and "API key" as the author of a request that carries an API key
    (``X-Api-Key`` header or ``apikey`` parameter, as the APIs read it) without a signed-in user.
    A wrong key changes nothing: the APIs refuse it before any change.

    Every request gets a correlation id of its own, shared by its entries (auditlog reads one
    from an ``X-Correlation-ID`` header, a client's to choose, and leaves it empty without)."""

    def __call__(self, request):
        token = correlation_id.set(uuid.uuid4().hex)
        try:
            with set_extra_data(context_data=self.get_extra_data(request)):
                return self.get_response(request)
        finally:
            correlation_id.reset(token)

    @staticmethod
    def _get_remote_addr(request):
        return None if settings.AUDITLOG_DISABLE_REMOTE_ADDR else request.META.get("REMOTE_ADDR")

    @staticmethod
    def _get_remote_port(request):
        return None

    def get_extra_data(self, request):
        data = super().get_extra_data(request)
        if data["actor"] is None and (request.headers.get("X-Api-Key") or _apikey_param(request)):
            data["additional_data"] = {
                API: "API key",
                "request": f"{request.method} {request.path}",
            }
        return data


def _apikey_param(request) -> bool:
    """Whether the query string carries ``apikey``; a query string Django refuses to parse (too
    many fields) is left for the API to answer in its envelope."""
    try:
        return bool(request.GET.get("apikey"))
    except SuspiciousOperation:
        return False


def _api_caller(request) -> str:
    """Who an /api/v2 request authenticated as: the API key, or (``app=true``) a device."""
    app = request.POST.get("app") or request.GET.get("app") or ""
    if str(app).lower() != "true":
        return "API key"
    device = MobileDevice.objects.filter(
        device_token=getattr(request, "tautulli_api_key", None)
    ).first()
    return f"device {device}" if device else "app token"


@contextmanager
def api_command_author(request, command: str):
    """COMMAND_HOOKS: the entries an /api/v2 command writes say it was that command, with the API
    key or a device's token (auditlog's actor is a user: this is ``additional_data``)."""
    previous = auditlog_value.get(None)
    extra = {
        "additional_data": {API: _api_caller(request), "command": command},
        "remote_addr": AuditMiddleware._get_remote_addr(request),
    }
    if previous and previous.get("actor") is not None:  # a signed-in admin's browser
        extra["actor"] = previous["actor"]
    try:
        with set_extra_data(extra):
            yield
    finally:
        if previous is not None:  # the request's own context again (auditlog does not restore)
            auditlog_value.set(previous)


# --- the admin ----------------------------------------------------------------------------------


class ModelFilter(DropdownFilter):
    """The tracked models (and History's deletions, streams terminated): a short fixed list, no
    DISTINCT scan."""

    title = _("model")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        models = [*auditlog.get_models(), History, Session]  # Session: terminated streams
        types = ContentType.objects.get_for_models(*models)
        return sorted(
            (
                (str(ct.pk), str(model._meta.verbose_name).capitalize())
                for model, ct in types.items()
            ),
            key=lambda choice: choice[1],
        )

    def queryset(self, request, queryset):
        value = self.value()
        return (
            queryset.filter(content_type_id=int(value)) if value and value.isdigit() else queryset
        )


class AuthorFilter(DropdownFilter):
    """An admin (staff users), the API (key or device), or the system (the monitor, schedules)."""

    title = _("author")
    parameter_name = "author"

    def lookups(self, request, model_admin):
        staff = get_user_model().objects.filter(is_staff=True).order_by("username")
        return [(str(u.pk), str(u)) for u in staff] + [
            (API, _("API (key or device)")),
            ("system", _("System")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        api = Q(additional_data__has_key=API)
        if value == API:
            return queryset.filter(api)
        if value == "system":
            return queryset.filter(Q(actor__isnull=True), Q(additional_data__isnull=True) | ~api)
        if value and value.isdigit():
            return queryset.filter(actor_id=int(value))
        return queryset


class LogEntryAdmin(LogEntryAdminMixin, ModelAdmin):
    """The audit log, read-only. Entries hold no secret (masked when written), so every column
    and the change details are shown as stored."""

    list_display = ("created", "resource_url", "action", "msg_short", "author", "remote_addr")
    list_select_related = ("content_type", "actor")
    list_filter = (
        ModelFilter,
        "action",
        AuthorFilter,
        ("timestamp", LocalDateRangeFilter),
    )
    list_filter_submit = True
    search_fields = ("object_repr", "actor__username", "cid")
    ordering = ("-timestamp", "-id")
    sortable_by = ("created",)
    show_full_result_count = False
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("created", "author", "remote_addr", "resource_url", "cid_link")}),
        (_("Changes"), {"fields": ("action", "msg", "changed_keys")}),
    )
    readonly_fields = (
        "created",
        "author",
        "remote_addr",
        "resource_url",
        "cid_link",
        "action",
        "msg",
        "changed_keys",
    )

    def get_queryset(self, request):
        self.request = request  # LogEntryAdminMixin builds links from it
        return super().get_queryset(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("author"))
    def author(self, obj: LogEntry) -> str:
        data = obj.additional_data if isinstance(obj.additional_data, dict) else {}
        via = data.get(API)
        if via and data.get("command"):
            via = f"{via} (/api/v2 {data['command']})"
        elif via and data.get("request"):
            via = f"{via} ({data['request']})"
        if obj.actor is not None:
            return f"{obj.actor} — {via}" if via else str(obj.actor)
        return via or _("system")

    @admin.display(description=_("changed keys"))
    def changed_keys(self, obj: LogEntry) -> str:
        data = obj.additional_data if isinstance(obj.additional_data, dict) else {}
        keys = data.get("changed_keys") or {}
        return "; ".join(f"{field}: {', '.join(names)}" for field, names in keys.items()) or "-"

    @admin.display(description=_("correlation id"))
    def cid_link(self, obj: LogEntry):
        if not obj.cid:
            return "-"
        return format_html('<a href="../../?cid={}">{}</a>', obj.cid, obj.cid)

    def lookup_allowed(self, lookup, value, request=None):
        """``?cid=`` (every entry of one request) is a filter of its own. The address is no
        filter: a value PostgreSQL cannot read as an address would fail its query (400)."""
        if lookup.split("__")[0] == "remote_addr":
            return False
        return lookup == "cid" or super().lookup_allowed(lookup, value, request)


# --- installation (AuditConfig.ready) -----------------------------------------------------------


def install() -> None:
    """Connect the receivers, the /api/v2 hook and the admin page; idempotent."""
    post_delete.connect(_history_deleted, sender=History, dispatch_uid="audit_history_deleted")
    pre_log.connect(_skip_candidate_churn, dispatch_uid="audit_skip_candidate_churn")
    post_log.connect(_note_changed_keys, dispatch_uid="audit_changed_keys")
    if api_command_author not in COMMAND_HOOKS:
        COMMAND_HOOKS.append(api_command_author)
    if admin.site.is_registered(LogEntry):  # auditlog's own admin, not the Unfold site's style
        admin.site.unregister(LogEntry)
    admin.site.register(LogEntry, LogEntryAdmin)
