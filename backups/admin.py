"""The backups list (kind, start, size, duration, verification, error), "Back up now" buttons
(a django-q2 task each) and the download of a backup's file for staff with the
``backups.download_backup`` permission. A failed verification is marked red and has a filter."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_q.tasks import async_task
from unfold.admin import ModelAdmin
from unfold.decorators import action

from .models import Backup
from .service import backup_path

DOWNLOAD_PERMISSION = "backups.download_backup"
BACKUP_NOW_PERMISSION = "backups.add_backup"


class VerificationFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [
            ("failed", _("Failed")),
            ("passed", _("Passed")),
            ("none", _("Not verified")),
            ("error", _("Backup failed")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "failed":
            return queryset.filter(verified=False)
        if value == "passed":
            return queryset.filter(verified=True)
        if value == "none":
            return queryset.filter(verified=None, error="")
        if value == "error":
            return queryset.exclude(error="")
        return queryset


@admin.register(Backup)
class BackupAdmin(ModelAdmin):
    list_display = (
        "kind",
        "started_at",
        "size_column",
        "duration_column",
        "verified_column",
        "trigger",
        "error_column",
        "download_column",
    )
    list_filter = (VerificationFilter, "kind", "trigger", "engine")
    date_hierarchy = "started_at"
    actions_list = ("back_up_database_now", "back_up_config_now")
    fields = (
        "kind",
        "engine",
        "trigger",
        "file_name",
        "size_column",
        "started_at",
        "finished_at",
        "duration_column",
        "verified_column",
        "verification_view",
        "error",
        "download_column",
    )
    readonly_fields = fields

    # --- permissions: the list is made by backups, not edited -------------------------------

    def has_add_permission(self, request):
        return False  # "Back up now" makes them

    def has_change_permission(self, request, obj=None):
        return False

    def has_backup_now_permission(self, request, obj=None):
        """The "Back up now" buttons: ``backups.add_backup``."""
        return request.user.has_perm(BACKUP_NOW_PERMISSION)

    def delete_model(self, request, obj):
        path = backup_path(obj)
        if path is not None:
            path.unlink(missing_ok=True)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            path = backup_path(obj)
            if path is not None:
                path.unlink(missing_ok=True)
        super().delete_queryset(request, queryset)

    # --- columns ------------------------------------------------------------------------------

    @admin.display(description=_("size"), ordering="size")
    def size_column(self, obj: Backup) -> str:
        return filesizeformat(obj.size) if obj.size is not None else "—"

    @admin.display(description=_("duration"), ordering="duration")
    def duration_column(self, obj: Backup) -> str:
        return f"{obj.duration:.1f} s" if obj.duration is not None else "—"

    @admin.display(description=_("verified"), ordering="verified")
    def verified_column(self, obj: Backup):
        if obj.verified is True:
            return format_html(
                '<span class="material-symbols-outlined text-green-600" title="{}">'
                "check_circle</span>",
                _("Verified: integrity ok, every table's row count equal"),
            )
        if obj.verified is False:
            reasons = "; ".join((obj.verification or {}).get("mismatches") or [])
            return format_html(
                '<span class="backup-verification-failed font-semibold text-red-600" '
                'title="{}"><span class="material-symbols-outlined align-middle">error</span> '
                "{}</span>",
                reasons,
                _("FAILED"),
            )
        return "—"

    @admin.display(description=_("error"))
    def error_column(self, obj: Backup):
        if not obj.error:
            return ""
        return format_html('<span class="text-red-600">{}</span>', obj.error[:200])

    @admin.display(description=_("file"))
    def download_column(self, obj: Backup):
        if not obj.file_name or obj.error:
            return "—"
        url = reverse("admin:backups_backup_download", args=[obj.pk])
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, _("Download"))

    @admin.display(description=_("verification"))
    def verification_view(self, obj: Backup):
        return format_html(
            '<pre class="whitespace-pre-wrap text-xs">{}</pre>',
            json.dumps(obj.verification or {}, indent=2, ensure_ascii=False),
        )

    def get_list_display(self, request):
        """The download link only for those with ``backups.download_backup``."""
        columns = super().get_list_display(request)
        if request.user.has_perm(DOWNLOAD_PERMISSION):
            return columns
        return tuple(column for column in columns if column != "download_column")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.has_perm(DOWNLOAD_PERMISSION):
            return fields
        return [field for field in fields if field != "download_column"]

    # --- "Back up now" ------------------------------------------------------------------------

    def _queue(self, request, kind: str):
        async_task("backups.tasks.run_backup", kind, "admin", task_name=f"backup {kind}")
        self.message_user(
            request,
            _("The backup runs in the background: reload this page in a moment."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:backups_backup_changelist"))

    @action(
        description=_("Back up the database now"),
        url_path="back-up-database",
        permissions=["backup_now"],
        icon="backup",
    )
    def back_up_database_now(self, request):
        return self._queue(request, Backup.DATABASE)

    @action(
        description=_("Back up the configuration now"),
        url_path="back-up-config",
        permissions=["backup_now"],
        icon="key",
    )
    def back_up_config_now(self, request):
        return self._queue(request, Backup.CONFIG)

    # --- download -----------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:backup_id>/download/",
                wrap(self.download_view),
                name="backups_backup_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, backup_id: int):
        """The backup's file, streamed; the path comes only from the Backup row."""
        if not request.user.has_perm(DOWNLOAD_PERMISSION):
            raise PermissionDenied
        backup = Backup.objects.filter(pk=backup_id).first()
        file = backup_path(backup) if backup is not None else None
        if file is None:
            raise Http404(_("This backup has no file (failed, or deleted by retention)."))
        return FileResponse(open(file, "rb"), as_attachment=True, filename=backup.file_name)
