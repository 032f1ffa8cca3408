"""Admin for Plex library sections (synced from PMS) and the recently-added log.

The statistics app registers :class:`LibraryAdmin` again with each library's statistics
(:class:`stats.admin.LibraryStatisticsAdmin`).
"""

from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin_kit.mixins import ReadOnlyAdminMixin
from core.admin_kit.sizes import ByteSizeField
from core.image_links import image_url

from .models import Library, RecentlyAdded

# What the Plex server (or an import) sets: shown, never edited here.
PLEX_LIBRARY_FIELDS = (
    "server",
    "section_id",
    "section_name",
    "section_type",
    "agent",
    "count",
    "parent_count",
    "child_count",
    "thumb",
    "art",
    "is_active",
    "deleted_section",
)


@admin.register(Library)
class LibraryAdmin(ModelAdmin):
    """Libraries come from PMS: only Tautulli's own switches and custom artwork are editable."""

    list_display = (
        "thumbnail",
        "__str__",
        "server",
        "section_id",
        "section_type",
        "count",
        "parent_count",
        "child_count",
        "is_active",
        "keep_history",
        "do_notify",
    )
    list_display_links = ("__str__",)
    list_select_related = ("server",)
    list_filter = ("server", "section_type", "is_active", "deleted_section")
    search_fields = ("section_name",)
    ordering = ("server_id", "section_id")
    formfield_overrides = {models.TextField: {"widget": UnfoldAdminTextInputWidget}}
    fieldsets = (
        (
            _("Tautulli settings"),
            {
                "fields": (
                    "keep_history",
                    "do_notify",
                    "do_notify_created",
                    "custom_thumb_url",
                    "custom_art_url",
                )
            },
        ),
        (
            _("Storage"),
            {
                "fields": ("disk_capacity",),
                "description": _(
                    "The disk space this library may use, e.g. 4 TB or 750 GB (units of 1024, as "
                    "the admin shows sizes): the Storage page shows the space left."
                ),
            },
        ),
        (
            _("Plex library"),
            {"fields": (("thumb_preview", "art_preview"), *PLEX_LIBRARY_FIELDS)},
        ),
    )
    readonly_fields = ("thumb_preview", "art_preview", *PLEX_LIBRARY_FIELDS)
    list_before_template = "admin/posters/styles.html"

    @admin.display(description=_("thumb"))
    def thumb_preview(self, obj: Library):
        """The section's thumb at 120 × 120 (custom thumb first)."""
        return _image(image_url(obj.server_id, obj.api_thumb(), 240, 240, "cover"), 120, 120)

    @admin.display(description=_("art"))
    def art_preview(self, obj: Library):
        """The section's background art at 320 × 180 (custom art first); "–" without one."""
        art = obj.api_art()
        if not art:
            return "–"
        return _image(image_url(obj.server_id, art, 640, 360, "art"), 320, 180, "library-art")

    @admin.display(description=_("thumbnail"))
    def thumbnail(self, obj: Library):
        """The section's thumb (custom thumb first, as Tautulli's ``library_thumb``) as a signed
        image link, 32 × 32 (asked at 64 × 64); the cover placeholder without one."""
        return _image(image_url(obj.server_id, obj.api_thumb(), 64, 64, "cover"), 32, 32)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """``disk_capacity`` is typed with a unit (``4 TB``), not as a count of bytes."""
        if db_field.name == "disk_capacity":
            return ByteSizeField(
                required=False,
                label=_("disk capacity"),
                help_text=_("e.g. 4 TB, 750 GB or a number of bytes; empty: not set"),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False


@admin.register(RecentlyAdded)
class RecentlyAddedAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Items already announced by ``on_created`` notifications (read-only)."""

    list_display = ("added_at", "server", "section_id", "media_type", "rating_key")
    list_select_related = ("server",)
    list_filter = ("server", "media_type")
    ordering = ("-added_at",)


def _image(url: str, width: int, height: int, css: str = "library-thumb"):
    """A lazily loaded ``<img class="css">`` of a signed image link shown at ``width`` ×
    ``height``."""
    return format_html(
        '<img class="{}" src="{}" loading="lazy" decoding="async" width="{}" height="{}" alt="" '
        'style="object-fit: cover; border-radius: 4px; max-width: 100%; height: auto; '
        'aspect-ratio: {} / {}; background: rgba(127, 127, 127, .15)">',
        css,
        url,
        width,
        height,
        width,
        height,
    )
