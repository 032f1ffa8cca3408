"""Admin for metadata exports: the list (status, format, size, items) with a download link
for staff, and deleting an export (its row and its files). New exports are made through the
API (``export_metadata``) only: there is no form here."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from core.timeutils import from_epoch

from . import exporter
from .models import Export

_VARIANTS = {Export.RUNNING: "info", Export.DONE: "success", Export.FAILED: "danger"}


@admin.register(Export)
class ExportAdmin(ModelAdmin):
    list_display = (
        "title",
        "server",
        "started",
        "media_type",
        "file_format",
        "levels",
        "status",
        "size",
        "items",
        "download",
    )
    list_filter = ("complete", "file_format", "media_type", "server")
    search_fields = ("title", "custom_fields")
    readonly_fields = [f.name for f in Export._meta.fields]
    actions = None

    def has_add_permission(self, request, obj=None):
        return False  # new exports: /api/v2 export_metadata

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        exporter.delete_export(obj)

    @admin.display(description="Requested", ordering="timestamp")
    def started(self, obj):
        return from_epoch(obj.timestamp)

    @admin.display(description="Levels")
    def levels(self, obj):
        return f"metadata {obj.metadata_level}, media info {obj.media_info_level}"

    @admin.display(description="Status", ordering="complete")
    def status(self, obj):
        from plex.admin_activity import badge

        return badge(obj.state, _VARIANTS.get(obj.complete, ""), obj.error)

    @admin.display(description="Size", ordering="file_size")
    def size(self, obj):
        return filesizeformat(obj.file_size)

    @admin.display(description="Items")
    def items(self, obj):
        return f"{obj.exported_items} / {obj.total_items}"

    @admin.display(description="Download")
    def download(self, obj):
        if exporter.download_problem(obj):
            return "-"
        url = reverse(f"{self.admin_site.name}:exports_export_download", args=[obj.pk])
        return format_html('<a href="{}">Download</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:object_id>/download/", view, name="exports_export_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        if not request.user.is_staff or not self.has_view_permission(request):
            raise PermissionDenied
        export = Export.objects.select_related("server").filter(pk=object_id).first()
        if exporter.download_problem(export):
            raise Http404("This export cannot be downloaded.")
        stream, name, content_type = exporter.download(export)
        return FileResponse(stream, as_attachment=True, filename=name, content_type=content_type)
