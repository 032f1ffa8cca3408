"""The audit (:class:`~housekeeping.models.ActionLog`, read-only: who, when, what, where, dry run
or not, result) and the exclusions (items kept for good: listed, removable by those who may act
on candidates)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from core.admin_kit.mixins import ReadOnlyAdminMixin

from ..models import ActionLog, Exclusion
from .common import can_act, size_text


def _pretty(value) -> str:
    return format_html(
        '<pre class="housekeeping-json whitespace-pre-wrap text-xs">{}</pre>',
        json.dumps(value, indent=2, ensure_ascii=False, default=str),
    )


@admin.register(ActionLog)
class ActionLogAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "created_at",
        "actor_label",
        "action",
        "title",
        "target",
        "dry_run",
        "status",
        "size_column",
        "rule_set_name",
    )
    list_filter = ("status", "action", "dry_run", "rule_set", "created_at")
    search_fields = ("title", "actor_label", "rule_set_name", "target")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_select_related = ()
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "created_at",
                    "finished_at",
                    "actor_label",
                    "actor",
                    "action",
                    "status",
                    "dry_run",
                    "result",
                )
            },
        ),
        (
            _("Item"),
            {
                "fields": (
                    "title",
                    "media_type",
                    "server_id",
                    "rating_key",
                    "rule_set_name",
                    "candidate",
                )
            },
        ),
        (_("What was sent"), {"fields": ("target", "size_column", "files_view", "requests_view")}),
        (_("Why (trace)"), {"fields": ("trace_view",)}),
    )
    readonly_fields = flatten_fieldsets(fieldsets)  # the audit is never edited

    @admin.display(description=_("size"), ordering="size")
    def size_column(self, obj: ActionLog) -> str:
        return size_text(obj.size)

    @admin.display(description=_("files"))
    def files_view(self, obj: ActionLog):
        return _pretty(obj.files)

    @admin.display(description=_("requests"))
    def requests_view(self, obj: ActionLog):
        return _pretty(obj.requests)

    @admin.display(description=_("trace"))
    def trace_view(self, obj: ActionLog):
        from .candidates import trace_table

        return trace_table(obj.trace)


@admin.register(Exclusion)
class ExclusionAdmin(ModelAdmin):
    list_display = ("__str__", "server", "rating_key", "scope", "created_at", "created_by", "note")
    list_filter = ("server", "rule_set")
    search_fields = ("title", "note")
    list_select_related = ("server", "rule_set", "created_by")
    readonly_fields = ("server", "rating_key", "title", "rule_set", "created_at", "created_by")
    fields = ("title", "server", "rating_key", "rule_set", "created_at", "created_by", "note")

    @admin.display(description=_("rule set"))
    def scope(self, obj: Exclusion) -> str:
        return obj.rule_set.name if obj.rule_set_id else _("every rule set")

    def has_add_permission(self, request):
        return False  # an exclusion comes from "keep" on a candidate

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_act(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_act(request)
