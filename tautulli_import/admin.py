"""Admin of the imported Tautulli databases (read-only)."""

from django.contrib import admin
from unfold.admin import ModelAdmin

from core.admin_kit.mixins import ReadOnlyAdminMixin

from .models import TautulliImport


@admin.register(TautulliImport)
class TautulliImportAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Imported Tautulli databases (``manage.py import_tautulli``): read-only."""

    list_display = ("__str__", "server", "source_path", "last_imported_at")
    list_select_related = ("server",)
