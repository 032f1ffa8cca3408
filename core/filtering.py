"""Run a django-filter FilterSet on the validated query parameters of a REST endpoint.

The REST views declare their filters twice on purpose: a ninja ``Schema`` (``<app>/schemas.py``)
is the documented, typed contract shown in the OpenAPI docs, and a django-filter ``FilterSet``
(``<app>/filters.py``) turns the values into ORM lookups. :func:`apply_filterset` joins the two
and reports a value the FilterSet rejects (e.g. a NUL byte, an unknown choice) as a 422, the same
answer ninja gives for a malformed parameter.
"""

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django_filters import FilterSet
from ninja import Schema
from ninja.errors import ValidationError

from .limits import INT64_MAX, INT64_MIN


class IntFilter(filters.NumberFilter):
    """Exact integer match, bounded to BIGINT so an oversized number is a 422, not a DB error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # the form field's max_value already bounds it


def apply_filterset(
    filterset_class: type[FilterSet], params: Schema, queryset: QuerySet
) -> QuerySet:
    """``queryset`` narrowed by the non-null fields of ``params``.

    Raises ninja's ``ValidationError`` (HTTP 422, ``{"detail": [{"loc": ["query", name], ...}]}``)
    when the FilterSet's form rejects a value.
    """
    data = params.dict(exclude_none=True)
    unknown = set(data) - set(filterset_class.base_filters)
    if unknown:  # a schema field without a filter would be silently ignored
        raise LookupError(f"{filterset_class.__name__} has no filter for {sorted(unknown)}")
    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(
            [
                {"type": "value_error", "loc": ["query", name], "msg": str(message)}
                for name, messages in filterset.errors.items()
                for message in messages
            ]
        )
    return filterset.qs
