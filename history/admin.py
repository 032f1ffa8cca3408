"""Admin for watch history: a read-only list built to stay fast on millions of rows.

Cost of one list page, whatever the table size (reference: History's indexes in history/models.py):

* rows: ``ORDER BY started DESC, id DESC LIMIT 50 OFFSET n`` over the ``-started`` index, joined
  1:1 to user, metadata and media info for those 50 rows only (``list_select_related``);
* count: an estimate, or a count capped at 10,000 when filtered (``EstimatedCountPaginator``);
* date drill-down: one query of index seeks per level (``BigTableChangeList``);
* filters: choices from the small tables (servers, users, libraries) or fixed lists, never a
  ``SELECT DISTINCT`` over history.

Each row shows its poster (a signed image link) and Tautulli's watched mark, and the play's page
shows its poster, title and episode above the tabs (:mod:`history.admin_media`: no query of its
own). Only ``started`` is sortable: every other order would sort the whole table for one page.
Rows can be deleted only through the confirmed "Delete selected" action (or the confirmed delete
page), and only the rows of the current page can be selected.
"""

from django.contrib import admin
from django.db.models import Exists, Model, OuterRef
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline
from unfold.contrib.filters.admin import DropdownFilter, RelatedDropdownFilter

from core.admin_kit.display import duration_display
from core.admin_kit.filters import LocalDateRangeFilter
from core.admin_kit.mixins import BigTableAdminMixin, ReadOnlyAdminMixin
from libraries.models import Library

from . import admin_media
from .models import History, HistoryMediaInfo, HistoryMetadata

# --- filters ----------------------------------------------------------------------------------


class MediaTypeFilter(DropdownFilter):
    """History's media types (Tautulli logs movies, episodes and tracks) and live TV."""

    title = _("media type")
    parameter_name = "media_type"

    def lookups(self, request, model_admin):
        return [
            ("movie", _("Movie")),
            ("episode", _("Episode")),
            ("track", _("Track")),
            ("live", _("Live TV")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "live":
            return queryset.filter(
                Exists(HistoryMetadata.objects.filter(pk=OuterRef("pk"), live=True))
            )
        if value:
            return queryset.filter(media_type=value)
        return queryset


class TranscodeDecisionFilter(DropdownFilter):
    """``media_info.transcode_decision``: direct play, copy (Tautulli's "Direct Stream"), transcode.

    A correlated ``EXISTS`` on the 1:1 row rather than a join: a join lets SQLite start from the
    (unselective) transcode_decision index and sort a third of the table for one page, while
    ``EXISTS`` keeps the walk down the ``started`` index that stops after one page.
    """

    title = _("transcode decision")
    parameter_name = "transcode_decision"

    def lookups(self, request, model_admin):
        return [
            ("direct play", _("Direct Play")),
            ("copy", _("Direct Stream")),
            ("transcode", _("Transcode")),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    HistoryMediaInfo.objects.filter(
                        pk=OuterRef("pk"), transcode_decision=self.value()
                    )
                )
            )
        return queryset


class LibraryFilter(DropdownFilter):
    """A library: history refers to it by (server, section_id), as Tautulli does."""

    title = _("library")
    parameter_name = "library"
    # The path to (server_id, section_id) from the filtered model: "" for history, "item__"
    # for rows that point at an inventory item.
    lookup_prefix = ""

    def lookups(self, request, model_admin):
        libraries = list(
            Library.objects.select_related("server").order_by("server_id", "section_name")
        )
        several_servers = len({library.server_id for library in libraries}) > 1
        return [
            (
                f"{library.server_id}:{library.section_id}",
                f"{library} ({library.server.name})" if several_servers else str(library),
            )
            for library in libraries
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        server_id, _sep, section_id = value.partition(":")
        if not (server_id.isdigit() and section_id.lstrip("-").isdigit()):
            return queryset.none()
        return queryset.filter(
            **{
                f"{self.lookup_prefix}server_id": int(server_id),
                f"{self.lookup_prefix}section_id": int(section_id),
            }
        )


# --- detail-page inlines ----------------------------------------------------------------------


class ReadOnlyInline(ReadOnlyAdminMixin, StackedInline):
    """A 1:1 companion table shown read-only, in its own tab, on the history detail page.

    Only the fields with a value are listed (a direct play has no transcode fields, a track no
    video fields): groups left empty are dropped. A field that a duration display of the inline
    shows (``readonly_fields`` made by :func:`~core.admin_kit.display.duration_display`) is
    listed as that display.
    """

    extra = 0
    max_num = 1
    can_delete = False
    tab = True
    hide_title = True  # the 1:1 row has no name of its own ("HistoryMediaInfo object (1)")
    related_name = ""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        companion = _companion(obj, self.related_name) if obj is not None else None
        displays = self._duration_displays()

        def listed(fields, with_value_only: bool) -> list[str]:
            return [
                displays.get(f, f)
                for f in fields
                if not with_value_only or getattr(companion, f) not in (None, "")
            ]

        if companion is not None:
            shown = [
                (name, {**opts, "fields": listed(opts["fields"], True)}) for name, opts in fieldsets
            ]
            shown = [(name, opts) for name, opts in shown if opts["fields"]]
            if shown:
                return shown
        return [
            (name, {**opts, "fields": listed(opts["fields"], False)}) for name, opts in fieldsets
        ]

    def _duration_displays(self) -> dict[str, str]:
        """Model field → the name of the read-only display that shows it as a duration."""
        return {
            getattr(self, name).source_field: name
            for name in self.readonly_fields
            if hasattr(getattr(self, name, None), "source_field")
        }


def _field_names(model: type[Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key]


def _metadata_fieldsets():
    titles = [
        "full_title",
        "title",
        "parent_title",
        "grandparent_title",
        "original_title",
        "media_index",
        "parent_media_index",
        "year",
        "originally_available_at",
    ]
    description = [
        "summary",
        "tagline",
        "genres",
        "directors",
        "writers",
        "actors",
        "studio",
        "labels",
        "content_rating",
        "rating",
    ]
    images = ["thumb", "parent_thumb", "grandparent_thumb", "art"]
    live = [
        name
        for name in _field_names(HistoryMetadata)
        if name == "live" or name.startswith("channel_")
    ]
    grouped = set(titles + description + images + live)
    item = [name for name in _field_names(HistoryMetadata) if name not in grouped]
    return [
        (_("Titles"), {"fields": titles}),
        (_("Item"), {"fields": item}),
        (_("Description"), {"fields": description, "classes": ["collapse"]}),
        (_("Images"), {"fields": images, "classes": ["collapse"]}),
        (_("Live TV"), {"fields": live, "classes": ["collapse"]}),
    ]


def _media_info_fieldsets():
    """Source / stream / transcode groups of ``session_history_media_info``, from the model.

    Stream = what was sent (``stream_*`` and the decisions), transcode = the transcoder
    (``transcode_*``), versions = synced/optimized copies, source = the file (everything else).
    """
    names = _field_names(HistoryMediaInfo)
    decisions = ["transcode_decision", "video_decision", "audio_decision"]
    stream = decisions + [n for n in names if n.startswith("stream_")]
    transcode = [n for n in names if n.startswith("transcode_") and n not in decisions]
    versions = [n for n in names if n.startswith(("synced_", "optimized_"))]
    taken = set(stream + transcode + versions)
    source = [n for n in names if n not in taken]
    return [
        (_("Source"), {"fields": source}),
        (_("Stream"), {"fields": stream}),
        (_("Transcode"), {"fields": transcode}),
        (_("Synced / optimized version"), {"fields": versions, "classes": ["collapse"]}),
    ]


class HistoryMetadataInline(ReadOnlyInline):
    model = HistoryMetadata
    related_name = "metadata"
    verbose_name = verbose_name_plural = _("metadata")
    fieldsets = _metadata_fieldsets()
    readonly_fields = ("length", "credits_first", "credits_final")

    length = duration_display("duration", _("duration"), unit="ms")
    credits_first = duration_display("marker_credits_first", _("first credits marker"), unit="ms")
    credits_final = duration_display("marker_credits_final", _("final credits marker"), unit="ms")


class HistoryMediaInfoInline(ReadOnlyInline):
    model = HistoryMediaInfo
    related_name = "media_info"
    verbose_name = verbose_name_plural = _("stream info")
    fieldsets = _media_info_fieldsets()
    readonly_fields = ("length",)

    length = duration_display("duration", _("duration"), unit="ms")


# --- the list ---------------------------------------------------------------------------------


@admin.register(History)
class HistoryAdmin(BigTableAdminMixin, ModelAdmin):
    list_display = (
        "poster",
        "started",
        "user_name",
        "title",
        "watched",
        "media_type",
        "player_platform",
        "duration",
        "transcode_decision",
    )
    list_display_links = ("started", "title")
    list_select_related = ("user", "metadata", "media_info")
    sortable_by = ("started",)
    ordering = ("-started", "-id")
    list_per_page = 50
    date_hierarchy = "started"
    search_fields = ("metadata__full_title", "username")
    search_help_text = _("Search by title or username.")
    list_filter_submit = True
    list_filter = (
        ("server", RelatedDropdownFilter),
        ("user", RelatedDropdownFilter),
        LibraryFilter,
        MediaTypeFilter,
        TranscodeDecisionFilter,
        ("started", LocalDateRangeFilter),
    )
    inlines = (HistoryMetadataInline, HistoryMediaInfoInline)
    list_before_template = "admin/history/history/list_before.html"
    change_form_template = "admin/history/history/change_form.html"
    fieldsets = (
        (
            _("Play"),
            {
                "fields": (
                    ("server", "user", "username"),
                    ("started", "stopped"),
                    ("duration", "paused", "position"),
                    "reference_id",
                ),
            },
        ),
        (
            _("Item"),
            {
                "fields": (
                    ("media_type", "section_id"),
                    ("rating_key", "parent_rating_key", "grandparent_rating_key"),
                ),
            },
        ),
        (
            _("Player"),
            {
                "fields": (
                    ("player", "machine_id"),
                    ("product", "product_version"),
                    ("platform", "platform_version"),
                    ("profile", "quality_profile"),
                ),
            },
        ),
        (
            _("Network"),
            {
                "fields": (("ip_address", "location"), ("bandwidth", "secure", "relayed")),
            },
        ),
    )
    readonly_fields = ("duration", "paused", "position")

    # Durations in the admin's one format (core.admin_kit.display).
    duration = duration_display("play_duration", _("duration"))  # pauses excluded (ref. 6.1)
    paused = duration_display("paused_counter", _("paused"))
    position = duration_display("view_offset", _("view offset"), unit="ms")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The play's page, with its poster, title, episode, user and date (``play``) above
        the tabs."""
        if obj is not None:
            context["play"] = admin_media.header_context(obj, self.user_name(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("poster"))
    def poster(self, obj: History):
        return admin_media.poster_img(obj)

    @admin.display(description=_("watched"))
    def watched(self, obj: History):
        return admin_media.watched_mark(obj)

    @admin.display(description=_("user"))
    def user_name(self, obj: History) -> str:
        """The user's friendly name (Tautulli's rule: friendly name unless blank, else username)."""
        return obj.user.display_name if obj.user is not None else (obj.username or "")

    @admin.display(description=_("title"))
    def title(self, obj: History):
        """The show (or title), with the episode (``S01E02 · name``) or album below."""
        return admin_media.title_cell(obj)

    @admin.display(description=_("player / platform"))
    def player_platform(self, obj: History) -> str:
        return " / ".join(part for part in (obj.player, obj.platform) if part)

    @admin.display(description=_("transcode decision"))
    def transcode_decision(self, obj: History) -> str:
        media_info = _companion(obj, "media_info")
        return (media_info.transcode_decision if media_info else None) or ""


def _companion(obj: History, name: str):
    """The 1:1 metadata/media info row already joined by select_related, or None if missing."""
    try:
        return getattr(obj, name)
    except (HistoryMetadata.DoesNotExist, HistoryMediaInfo.DoesNotExist):
        return None
