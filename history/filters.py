"""django-filter FilterSet of the REST history list (``GET /api/history``).

The documented parameters are ``history.schemas.HistoryFilters``; this class turns them into
lookups. Times are compared on ``History.started`` (aware UTC datetimes).
"""

import django_filters as filters
from django.db.models import Q

from core.filtering import IntFilter

from .models import History

TRANSCODE_DECISIONS = ("direct play", "copy", "transcode")


class HistoryFilterSet(filters.FilterSet):
    """Filters of ``GET /api/history``; every filter narrows (AND)."""

    server = IntFilter(field_name="server_id")
    user_id = IntFilter(field_name="user_id")
    rating_key = IntFilter()
    parent_rating_key = IntFilter()
    grandparent_rating_key = IntFilter()
    section_id = IntFilter()
    media_type = filters.CharFilter()
    transcode_decision = filters.ChoiceFilter(
        field_name="media_info__transcode_decision",
        choices=[(value, value) for value in TRANSCODE_DECISIONS],
    )
    started_after = filters.IsoDateTimeFilter(field_name="started", lookup_expr="gte")
    started_before = filters.IsoDateTimeFilter(field_name="started", lookup_expr="lt")
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = History
        fields = []

    def filter_search(self, queryset, name, value):
        """Case-insensitive "contains" on the title (full title included, so a show's name
        matches its episodes) or on the user (username at play time, or friendly name)."""
        return queryset.filter(
            Q(metadata__full_title__icontains=value)
            | Q(metadata__title__icontains=value)
            | Q(username__icontains=value)
            | Q(user__friendly_name__icontains=value)
        )
