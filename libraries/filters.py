"""django-filter FilterSet of the REST library list (``GET /api/libraries``); the documented
parameters are ``libraries.schemas.LibraryFilters``."""

import django_filters as filters

from core.filtering import IntFilter

from .models import Library


class LibraryFilterSet(filters.FilterSet):
    """Filters of ``GET /api/libraries``; every filter narrows (AND)."""

    server = IntFilter(field_name="server_id")
    section_type = filters.CharFilter()
    deleted_section = filters.BooleanFilter()

    class Meta:
        model = Library
        fields = []
