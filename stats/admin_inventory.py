"""The inventory in the admin (issue 13): Libraries › Library items, an item's page, and Storage.

* **Library items** (:class:`LibraryItemsAdmin`): every movie, show, season, episode, artist,
  album and track with its watch statistics (:func:`stats.inventory.items_with_stats`, one
  LEFT JOIN): poster, title in its show/season context, type, library, size, added, last
  watched, plays, users, share watched. Present movies, shows and artists by default (the
  type and presence filters say so and offer the rest). Every sortable column sorts in SQL
  (on the statistics' annotations); the page's library names come from one query of the
  libraries: a fixed number of queries whatever the page size, no count over the table
  (:class:`~core.admin_kit.mixins.BigTableAdminMixin`).
* **An item's page** (the change view, read-only: the inventory is PMS's data): the item, its
  files and sizes, its statistics, the users who watched it (:func:`stats.item_stats.
  item_user_stats`), and below a show or artist each season or album with its statistics and
  each of their episodes or tracks with theirs (a season or album: its episodes or tracks).
* **Storage** (``/admin/storage/``, listed under Libraries): per library the items and bytes
  now, its disk capacity and free space when set (:mod:`stats.storage`), and the bytes and items
  over the past months.

Posters are signed image links (:func:`item_poster_url`, :func:`core.image_links.image_url`):
the Plex app serves them through its cached image proxy, never showing the token. Hook for the
layers above (which re-register the admin with a subclass, as
:class:`plex.admin.LibraryInventoryAdmin` does for the libraries):
:meth:`LibraryItemsAdmin.sync_status` (the Tautulli sync's "last synced" lines).
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter

from core import clock
from core.admin_kit.changelist import BigTableChangeList
from core.admin_kit.display import humanize_seconds
from core.admin_kit.mixins import BigTableAdminMixin, ReadOnlyAdminMixin
from core.admin_kit.site import AdminPage
from core.image_links import image_url
from core.timeutils import from_epoch
from history.admin import LibraryFilter
from libraries.models import Library, LibraryMedia

from .dashboard.charts import chart_data, chart_options
from .inventory import items_with_stats
from .item_stats import item_user_stats
from .storage import TOP_LEVEL_TYPES, library_storage, storage_over_time

GB = 1024**3
# Parents of each level: (children's type, grandchildren's type).
CHILD_TYPES = {"show": ("season", "episode"), "artist": ("album", "track")}
LEAF_TYPES = {"season": "episode", "album": "track"}
PARENT_TYPES = ("show", "season", "artist", "album")
STORAGE_MONTHS = (12, 24, 60)


# --- filters ------------------------------------------------------------------------------------


class DefaultDropdownFilter(DropdownFilter):
    """A dropdown whose value, when the URL has none, is :attr:`default` (no "All" entry: the
    choices say what "all" is)."""

    default = ""
    all_option = None

    def value(self):
        return super().value() or self.default


class ItemTypeFilter(DefaultDropdownFilter):
    title = _("type")
    parameter_name = "type"
    default = "top"

    def lookups(self, request, model_admin):
        return [
            ("top", _("Movies, shows and artists")),
            ("all", _("All types")),
            *[(name, _(label)) for name, label in LibraryMedia.MEDIA_TYPES],
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "top":
            return queryset.filter(media_type__in=TOP_LEVEL_TYPES)
        if value in dict(LibraryMedia.MEDIA_TYPES):
            return queryset.filter(media_type=value)
        return queryset


class PresenceFilter(DefaultDropdownFilter):
    title = _("in Plex")
    parameter_name = "presence"
    default = "present"

    def lookups(self, request, model_admin):
        return [
            ("present", _("Present")),
            ("removed", _("Removed from Plex")),
            ("all", _("Present and removed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "present":
            return queryset.filter(removed_at__isnull=True)
        if self.value() == "removed":
            return queryset.filter(removed_at__isnull=False)
        return queryset


class LastWatchedFilter(DropdownFilter):
    """On the statistics' ``last_watched`` (epoch seconds; null: never watched)."""

    title = _("last watched")
    parameter_name = "watched"
    DAYS = (30, 90, 365)

    def lookups(self, request, model_admin):
        return [
            ("never", _("Never watched")),
            *[
                (f"older{days}", _("More than %(days)d days ago") % {"days": days})
                for days in self.DAYS
            ],
            ("within30", _("In the last 30 days")),
        ]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value == "never":
            return queryset.filter(last_watched__isnull=True)
        if value.startswith(("older", "within")):
            number = value.removeprefix("older").removeprefix("within")
            if not number.isdigit():
                return queryset
            cutoff = int(clock.epoch()) - int(number) * 86_400
            if value.startswith("older"):
                return queryset.filter(last_watched__lt=cutoff)
            return queryset.filter(last_watched__gte=cutoff)
        return queryset


class SizeFilter(DropdownFilter):
    """On ``total_file_size`` (the item's size, rolled up for a show, season, artist, album)."""

    title = _("size")
    parameter_name = "size"
    ABOVE_GB = (1, 10, 50, 100)

    def lookups(self, request, model_admin):
        return [
            *[(f"above{gb}", _("Above %(gb)d GB") % {"gb": gb}) for gb in self.ABOVE_GB],
            ("below1", _("Below 1 GB")),
            ("unknown", _("Unknown")),
        ]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value == "unknown":
            return queryset.filter(total_file_size__isnull=True)
        if value == "below1":
            return queryset.filter(total_file_size__lt=GB)
        number = value.removeprefix("above")
        if value.startswith("above") and number.isdigit():
            return queryset.filter(total_file_size__gt=int(number) * GB)
        return queryset


# --- display helpers ------------------------------------------------------------------------------


def local_date(value: dt.datetime | None) -> str:
    """An aware datetime as the server's local date, ``2026-11-22`` ("" for None)."""
    return date_format(timezone.localtime(value), "Y-m-d") if value else ""


def episode_code(item: LibraryMedia) -> str:
    """``"S01E02"`` for an episode with its season and episode numbers, else ""."""
    if item.media_type != "episode" or item.parent_media_index is None or item.media_index is None:
        return ""
    return f"S{item.parent_media_index:02d}E{item.media_index:02d}"


# (width, height) in pixels asked of PMS for a poster: twice the shown size, for sharp screens.
POSTER_SMALL = (64, 96)
POSTER_LARGE = (240, 360)


def item_poster_url(item: LibraryMedia, size: tuple[int, int] = POSTER_SMALL) -> str | None:
    """The signed image link (``/image/<token>``, :func:`core.image_links.image_url`) of the
    poster of ``item`` at ``size`` (width, height) pixels: an episode shows its show's poster,
    a track its album's cover (as Tautulli's lists do); None when the item has no image at all.
    An image PMS lacks, or a PMS that cannot be reached, gives the placeholder."""
    if item.media_type == "episode" and item.grandparent_rating_key:
        img = f"/library/metadata/{item.grandparent_rating_key}/thumb"
    elif item.media_type == "track" and item.parent_rating_key:
        img = f"/library/metadata/{item.parent_rating_key}/thumb"
    elif item.thumb:
        img = item.thumb
    else:
        return None
    fallback = "cover" if item.media_type in ("artist", "album", "track") else "poster"
    return image_url(item.server_id, img, *size, fallback=fallback)


def poster_cell(url: str | None):
    """A list row's poster thumbnail (32×48, lazy) at ``url``, or an empty frame."""
    if not url:
        return mark_safe('<span class="inventory-poster inventory-poster-empty"></span>')  # noqa: S308
    return format_html(
        '<img class="inventory-poster" src="{}" loading="lazy" decoding="async" '
        'width="32" height="48" alt="">',
        url,
    )


def item_context(item: LibraryMedia) -> str:
    """What an item belongs to: ``"Show · S01E02"`` for an episode, ``"Show"`` for a season,
    ``"Artist · Album"`` for a track, ``"Artist"`` for an album; "" otherwise."""
    if item.media_type == "episode":
        return " · ".join(part for part in (item.grandparent_title, episode_code(item)) if part)
    if item.media_type == "track":
        return " · ".join(part for part in (item.grandparent_title, item.parent_title) if part)
    if item.media_type in ("season", "album"):
        return item.parent_title
    return ""


def watched_share(item: LibraryMedia) -> str:
    """``"3/10 (30%)"``: a show's, season's, artist's or album's present episodes or tracks
    watched out of all of them; "" for a movie, episode or track, or with none."""
    if item.media_type not in PARENT_TYPES or not item.leaf_count:
        return ""
    watched = min(item.watched_items, item.leaf_count)
    return f"{watched}/{item.leaf_count} ({round(watched / item.leaf_count * 100)}%)"


def item_url(item: LibraryMedia) -> str:
    """The admin page of an item."""
    return reverse("admin:libraries_librarymedia_change", args=[item.pk])


def stats_row(item: LibraryMedia) -> dict:
    """An item with statistics (from :func:`items_with_stats`) as one row of the item page's
    tables: texts ready to show, and the item's own page link."""
    last = from_epoch(item.last_watched)
    return {
        "item": item,
        "url": item_url(item),
        "title": item.title or str(item),
        "index": item.media_index,
        "added": local_date(item.added_at),
        "size": filesizeformat(item.total_file_size) if item.total_file_size is not None else "",
        "plays": item.plays,
        "users": item.users,
        "watch_time": humanize_seconds(item.watch_time) if item.watch_time else "",
        "last_watched": local_date(last),
        "share": watched_share(item),
        "removed": item.removed_at is not None,
        "files": list(item.file_paths or []),
    }


# --- the admin ----------------------------------------------------------------------------------


def library_names() -> dict[tuple[int, int], str]:
    """``{(server pk, section id): section name}`` of every library (one query; a few rows)."""
    return {
        (server_id, section_id): name or f"Section {section_id}"
        for server_id, section_id, name in Library.objects.values_list(
            "server_id", "section_id", "section_name"
        )
    }


def with_library_names(items) -> list[LibraryMedia]:
    """``items`` (a page of rows) with ``library_name`` set on each, from one query.

    Not a subquery of the list's query: SQLite would evaluate it for every row it sorts
    (the whole filtered inventory), not for the page's rows."""
    items = list(items)
    if items:
        names = library_names()
        for item in items:
            key = (item.server_id, item.section_id)
            item.library_name = names.get(key, f"Section {item.section_id}")
    return items


class InventoryChangeList(BigTableChangeList):
    """The big-table changelist; the page's rows get their library's name (one query)."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = with_library_names(self.result_list)


class LibraryItemsAdmin(BigTableAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    """Library items with their watch statistics; see the module docstring."""

    list_display = (
        "poster",
        "title_column",
        "media_type",
        "library",
        "size",
        "added",
        "last_watched_column",
        "plays_column",
        "users_column",
        "share_column",
    )
    list_display_links = ("title_column",)
    list_per_page = 50
    ordering = (F("added_at").desc(nulls_last=True), "-id")
    search_fields = ("title", "parent_title", "grandparent_title")
    search_help_text = _("Search by title (or its show, season, artist or album).")
    list_filter_submit = True
    list_filter = (
        LibraryFilter,
        ItemTypeFilter,
        PresenceFilter,
        LastWatchedFilter,
        SizeFilter,
    )
    list_before_template = "admin/libraries/librarymedia/list_before.html"
    detail_template = "admin/libraries/librarymedia/detail.html"

    # --- hooks for the layers above ---------------------------------------------------------------

    def sync_status(self, request) -> list[str]:
        """Lines about where the inventory's plays come from, shown above the list, the item
        pages and Storage (the Tautulli sync's "last synced" line, :mod:`tautulli_import.admin`);
        none here."""
        return []

    # --- the list ---------------------------------------------------------------------------------

    def get_queryset(self, request):
        """Items with their statistics (:func:`items_with_stats`)."""
        return items_with_stats(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return InventoryChangeList

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "sync_status": self.sync_status(request),
            "storage_url": reverse("admin:libraries_storage"),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("poster"))
    def poster(self, item: LibraryMedia):
        return poster_cell(item_poster_url(item))

    @admin.display(description=_("title"), ordering="sort_title")
    def title_column(self, item: LibraryMedia):
        context = item_context(item)
        removed = (
            format_html(' <span class="inventory-removed">{}</span>', _("removed"))
            if item.removed_at
            else ""
        )
        year = f" ({item.year})" if item.year and item.media_type in ("movie", "show") else ""
        if context:
            return format_html(
                '<span class="inventory-context">{}</span><br>{}{}{}',
                context,
                item.title or item,
                year,
                removed,
            )
        return format_html("{}{}{}", item.title or item, year, removed)

    @admin.display(description=_("library"))
    def library(self, item: LibraryMedia) -> str:
        return getattr(item, "library_name", "") or f"Section {item.section_id}"

    @admin.display(description=_("size"), ordering=F("total_file_size").asc(nulls_first=True))
    def size(self, item: LibraryMedia) -> str:
        return filesizeformat(item.total_file_size) if item.total_file_size is not None else "–"

    @admin.display(description=_("added"), ordering=F("added_at").asc(nulls_first=True))
    def added(self, item: LibraryMedia) -> str:
        return local_date(item.added_at) or "–"

    @admin.display(description=_("last watched"), ordering=F("last_watched").asc(nulls_first=True))
    def last_watched_column(self, item: LibraryMedia) -> str:
        return local_date(from_epoch(item.last_watched)) or _("never")

    @admin.display(description=_("plays"), ordering="plays")
    def plays_column(self, item: LibraryMedia) -> int:
        return item.plays

    @admin.display(description=_("users"), ordering="users")
    def users_column(self, item: LibraryMedia) -> int:
        return item.users

    @admin.display(description=_("watched"))
    def share_column(self, item: LibraryMedia) -> str:
        return watched_share(item)

    # --- an item's page ---------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The item's read-only page (see the module docstring) instead of a form."""
        item = self.get_object(request, unquote(object_id))
        if item is None:
            raise Http404(_("No library item with this id."))
        if not self.has_view_permission(request, item):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "title": str(item),
            "subtitle": None,
            "opts": self.opts,
            "original": item,
            "has_view_permission": True,
            "sync_status": self.sync_status(request),
            **self.item_page(item),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.detail_template, context)

    def item_page(self, item: LibraryMedia) -> dict:
        """The item page's data: ``{"row", "context", "library_name", "poster", "type_label",
        "users", "parents", "children", "groups"}``; ``groups`` is a show's or artist's
        ``[{"row": season/album row, "children": [episode/track rows]}]``, ``children`` a
        season's or album's rows, ``parents`` links to the item's show/season or artist/album.
        A fixed number of queries, whatever the number of seasons and episodes."""
        scope = LibraryMedia.objects.filter(server_id=item.server_id)
        groups, children = [], []
        if item.media_type in CHILD_TYPES:
            child_type, leaf_type = CHILD_TYPES[item.media_type]
            leaves: dict[int, list[dict]] = {}
            for leaf in items_with_stats(
                scope.filter(grandparent_rating_key=item.rating_key, media_type=leaf_type)
            ).order_by("parent_media_index", "media_index", "title", "pk"):
                leaves.setdefault(leaf.parent_rating_key, []).append(stats_row(leaf))
            for child in items_with_stats(
                scope.filter(parent_rating_key=item.rating_key, media_type=child_type)
            ).order_by("media_index", "title", "pk"):
                groups.append(
                    {"row": stats_row(child), "children": leaves.pop(child.rating_key, [])}
                )
            for rest in leaves.values():  # episodes whose season the inventory lacks
                groups.append({"row": None, "children": rest})
        elif item.media_type in LEAF_TYPES:
            children = [
                stats_row(child)
                for child in items_with_stats(
                    scope.filter(
                        parent_rating_key=item.rating_key, media_type=LEAF_TYPES[item.media_type]
                    )
                ).order_by("media_index", "title", "pk")
            ]
        parent_keys = [
            key for key in (item.grandparent_rating_key, item.parent_rating_key) if key is not None
        ]
        parents = [
            {"title": parent.title or str(parent), "url": item_url(parent)}
            for parent in sorted(
                scope.filter(rating_key__in=parent_keys),
                key=lambda parent: parent_keys.index(parent.rating_key),
            )
        ]
        users = item_user_stats(item.rating_key, grouping=True, server_id=item.server_id)
        return {
            "row": stats_row(item),
            "code": episode_code(item),
            "library_name": library_names().get(
                (item.server_id, item.section_id), f"Section {item.section_id}"
            ),
            "poster": item_poster_url(item, POSTER_LARGE),
            "type_label": item.get_media_type_display(),
            "first_watched": local_date(from_epoch(item.first_watched)),
            "plays_current": item.plays_current,
            "users_list": [
                {
                    "name": user["friendly_name"] or user["username"] or str(user["user_id"]),
                    "plays": user["total_plays"],
                    "time": humanize_seconds(user["total_time"]),
                }
                for user in users
            ],
            "parents": parents,
            "children": children,
            "groups": groups,
            "child_label": {"show": _("Seasons"), "artist": _("Albums")}.get(item.media_type),
            "leaf_label": {
                "show": _("Episodes"),
                "season": _("Episodes"),
                "artist": _("Tracks"),
                "album": _("Tracks"),
            }.get(item.media_type),
        }


admin.site.register(LibraryMedia, LibraryItemsAdmin)


# --- Storage ---------------------------------------------------------------------------------------


def _items_admin() -> LibraryItemsAdmin:
    """The registered items admin (a subclass from a layer above, once they re-register it)."""
    return admin.site.get_model_admin(LibraryMedia)


def storage_page(request):
    """``/admin/storage/``: per library the present items and their bytes, the disk capacity
    and free space where set, and two charts over ``?months=`` 12 (default), 24 or 60 months:
    bytes (GB) and items held at the end of each month (:mod:`stats.storage`)."""
    months = request.GET.get("months", "")
    months = int(months) if months.isdigit() and int(months) in STORAGE_MONTHS else 12
    rows = library_storage()
    several_servers = len({row["server_id"] for row in rows}) > 1
    items_url = reverse("admin:libraries_librarymedia_changelist")
    for row in rows:
        row["size_text"] = filesizeformat(row["size"])
        row["capacity_text"] = filesizeformat(row["capacity"]) if row["capacity"] else ""
        free = row["free"]
        row["free_text"] = (
            ""
            if free is None
            else filesizeformat(free)
            if free >= 0
            else _("%(size)s over") % {"size": filesizeformat(-free)}
        )
        row["items_url"] = f"{items_url}?library={row['server_id']}:{row['section_id']}"
        row["change_url"] = (
            reverse("admin:libraries_library_change", args=[row["library"].pk])
            if row["library"] is not None
            else ""
        )
        row["bar"] = min(row["used_percent"] or 0, 100)
    over_time = storage_over_time(months)
    charts = []
    for key, title, axis, scale in (
        ("size", _("Space used (GB)"), _("GB"), GB),
        ("items", _("Movies, episodes and tracks"), _("items"), 1),
    ):
        series = [
            {"name": s["name"], "data": [round(value / scale, 1) for value in s["data"]]}
            for s in over_time[key]
        ]
        data = chart_data({"categories": over_time["categories"], "series": series}, line=True)
        options = chart_options(y_axis="plays", stacked=False, many_labels=len(data["labels"]) > 14)
        options["scales"]["y"]["title"]["text"] = str(axis)
        charts.append(
            {
                "name": f"storage_{key}",
                "title": title,
                "kind": "line",
                "wide": False,
                "data_json": json.dumps(data, separators=(",", ":")),
                "options_json": json.dumps(options, separators=(",", ":")),
                "empty": not series,
                "empty_text": _("no inventory yet"),
            }
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Storage"),
        "rows": rows,
        "several_servers": several_servers,
        "total_size": filesizeformat(sum(row["size"] for row in rows)),
        "total_items": sum(row["items"] for row in rows),
        "charts": charts,
        "months": months,
        "month_choices": STORAGE_MONTHS,
        "sync_status": _items_admin().sync_status(request),
        "items_url": items_url,
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/stats/storage.html", context)


admin.site.register_page(
    AdminPage(
        title=_("Storage"),
        app_label="libraries",
        urls=(path("storage/", storage_page, name="libraries_storage"),),
        permission=lambda request: _items_admin().has_view_permission(request),
    )
)
