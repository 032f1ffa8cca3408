"""django-filter FilterSet of the REST inventory (``GET /api/libraries/items``).

The documented parameters are :class:`stats.api_inventory.InventoryFilters`; this class turns
them into lookups on :func:`stats.inventory.items_with_stats` (its annotations, so the
statistics are joined once). Times: ``added_at`` is an aware UTC datetime, the statistics'
``last_watched`` epoch seconds (compared with the parameter's epoch).
"""

import django_filters as filters
from django.db.models import Q

from core.filtering import IntFilter
from core.timeutils import to_epoch
from libraries.models import INVENTORY_TYPES, Library, LibraryMedia


class InventoryFilterSet(filters.FilterSet):
    """Filters of ``GET /api/libraries/items``; every filter narrows (AND). The ``current``
    flag makes the last-watched filters and ``never_watched`` read the statistics since the
    current copy was added (``last_watched_current``)."""

    library = IntFilter(method="filter_library")
    server = IntFilter(field_name="server_id")
    section_id = IntFilter()
    media_type = filters.ChoiceFilter(choices=[(name, name) for name in INVENTORY_TYPES])
    parent_rating_key = IntFilter()
    grandparent_rating_key = IntFilter()
    added_after = filters.IsoDateTimeFilter(field_name="added_at", lookup_expr="gte")
    added_before = filters.IsoDateTimeFilter(field_name="added_at", lookup_expr="lt")
    last_watched_after = filters.IsoDateTimeFilter(method="filter_last_watched")
    last_watched_before = filters.IsoDateTimeFilter(method="filter_last_watched")
    not_watched_since = filters.IsoDateTimeFilter(method="filter_not_watched_since")
    never_watched = filters.BooleanFilter(method="filter_never_watched")
    size_above = IntFilter(field_name="total_file_size", lookup_expr="gt", min_value=0)
    removed = filters.BooleanFilter(method="filter_removed")
    search = filters.CharFilter(method="filter_search")
    current = filters.BooleanFilter(method="filter_nothing")

    class Meta:
        model = LibraryMedia
        fields = []

    def _last(self) -> str:
        return "last_watched_current" if self.form.cleaned_data.get("current") else "last_watched"

    def filter_library(self, queryset, name, value):
        """The items of library ``value`` (this API's id: its server and section)."""
        library = Library.objects.filter(pk=value).values("server_id", "section_id").first()
        if library is None:
            return queryset.none()
        return queryset.filter(server_id=library["server_id"], section_id=library["section_id"])

    def filter_last_watched(self, queryset, name, value):
        """Last watched (any user) at or after / before ``value``; items never watched are
        left out by both."""
        lookup = "gte" if name == "last_watched_after" else "lt"
        return queryset.filter(**{f"{self._last()}__{lookup}": to_epoch(value)})

    def filter_not_watched_since(self, queryset, name, value):
        """Not watched since ``value``: last watched before it, or never."""
        last = self._last()
        return queryset.filter(
            Q(**{f"{last}__lt": to_epoch(value)}) | Q(**{f"{last}__isnull": True})
        )

    def filter_never_watched(self, queryset, name, value):
        """``true``: items nobody watched; ``false``: items watched at least once."""
        return queryset.filter(**{f"{self._last()}__isnull": value})

    def filter_removed(self, queryset, name, value):
        """``true``: items gone from Plex (marked removed); ``false``: present items."""
        return queryset.filter(removed_at__isnull=not value)

    def filter_search(self, queryset, name, value):
        """Case-insensitive substring of the title, or of the show's/artist's or season's/
        album's title (so a show's name finds its seasons and episodes)."""
        return queryset.filter(
            Q(title__icontains=value)
            | Q(grandparent_title__icontains=value)
            | Q(parent_title__icontains=value)
        )

    def filter_nothing(self, queryset, name, value):
        """``current`` only changes how the other filters read the statistics."""
        return queryset
