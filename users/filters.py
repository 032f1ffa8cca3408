"""django-filter FilterSet of the REST user list (``GET /api/users``); the documented
parameters are ``users.schemas.UserFilters``."""

import django_filters as filters
from django.db.models import Q

from .models import User


class UserFilterSet(filters.FilterSet):
    """Filters of ``GET /api/users``; every filter narrows (AND)."""

    is_active = filters.BooleanFilter()
    deleted_user = filters.BooleanFilter()
    search = filters.CharFilter(method="filter_search")

    class Meta:
        model = User
        fields = []

    def filter_search(self, queryset, name, value):
        """Case-insensitive "contains" on username, friendly name or email."""
        return queryset.filter(
            Q(username__icontains=value)
            | Q(friendly_name__icontains=value)
            | Q(email__icontains=value)
        )
