"""Pagination for the REST API (/api/): keyset (cursor) pages for big tables, limit/offset for
small ones.

Keyset pagination (``keyset_page``) walks a queryset newest first on a (datetime field, id) key.
The cursor handed to clients is opaque: URL-safe base64 of the JSON ``{"v": <ISO 8601 value of
the field, or null>, "id": <pk>}`` of the last item of the page. The next page is
``WHERE field < v OR (field = v AND id < pk)``, so rows sharing the same time are neither skipped
nor repeated, and the database never counts or skips rows (no OFFSET): page N costs what page 1
costs.

Rows whose key field is NULL come after every dated row (they are the "oldest end"), ordered by
id; they are read with a separate ``field IS NULL`` query so that the dated part can use the
plain ``(field DESC)`` index on both SQLite and PostgreSQL (which disagree on where DESC puts
NULLs).
"""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination

from .limits import INT64_MAX


class CursorParams(Schema):
    """Query parameters of a keyset-paginated list: ``?cursor=...&limit=50``."""

    cursor: str | None = Field(
        None,
        max_length=512,
        description="Opaque `next_cursor` of the previous page; omit for the first page.",
    )
    limit: int = Field(50, ge=1, le=500, description="Items per page (1-500, default 50).")


@dataclass(frozen=True)
class KeysetPosition:
    """The key of the last row of a page: its ``field`` value (None when NULL) and its pk."""

    value: Any
    pk: int


@dataclass(frozen=True)
class KeysetPage:
    """One page: ``items`` (model instances, at most ``limit``) and the cursor of the next page
    (None on the last page)."""

    items: list[Model]
    next_cursor: str | None


class InvalidCursor(ValueError):
    """A cursor that this server did not produce (bad base64, JSON or value types)."""


def encode_cursor(value: Any, pk: int) -> str:
    """``(datetime or None, pk)`` → opaque URL-safe string (base64 JSON, padding stripped)."""
    payload = {"v": value.isoformat() if value is not None else None, "id": pk}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, model: type[Model], field: str) -> KeysetPosition:
    """Opaque string → :class:`KeysetPosition`, the value parsed by ``model.field``'s own
    ``to_python`` (an aware datetime for a DateTimeField). Raises :class:`InvalidCursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        pk, value = payload["id"], payload["v"]
        # A forged cursor's id beyond BIGINT, or a time beyond year 9999 once in UTC, must not
        # reach the database (OverflowError there).
        if type(pk) is not int or not 0 <= pk <= INT64_MAX:
            raise InvalidCursor("bad id")
        if value is not None:
            if not isinstance(value, str):
                raise InvalidCursor("bad value")
            value = model._meta.get_field(field).to_python(value)
            if value is None:
                raise InvalidCursor("bad value")
            if isinstance(value, dt.datetime):  # naive: UTC, as encode_cursor never writes it
                value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    except (
        binascii.Error,
        UnicodeDecodeError,
        ValueError,
        TypeError,
        KeyError,
        DjangoValidationError,
        OverflowError,
    ) as exc:
        raise InvalidCursor(str(exc)) from exc
    return KeysetPosition(value=value, pk=pk)


def keyset_page(queryset: QuerySet, *, field: str, cursor: str | None, limit: int) -> KeysetPage:
    """The page of ``queryset`` after ``cursor``, ordered by ``-field, -pk`` (newest first).

    Reads ``limit + 1`` rows to learn whether a next page exists (1 query; 2 on the page where
    the dated rows run out and NULL-dated rows follow). Raises :class:`InvalidCursor`.
    """
    position = decode_cursor(cursor, queryset.model, field) if cursor else None
    wanted = limit + 1
    items: list[Model] = []
    if position is None or position.value is not None:
        dated = queryset.filter(**{f"{field}__isnull": False})
        if position is not None:
            dated = dated.filter(
                Q(**{f"{field}__lt": position.value})
                | Q(**{field: position.value, "pk__lt": position.pk})
            )
        items = list(dated.order_by(f"-{field}", "-pk")[:wanted])
    if len(items) < wanted:
        undated = queryset.filter(**{f"{field}__isnull": True})
        if position is not None and position.value is None:
            undated = undated.filter(pk__lt=position.pk)
        items += list(undated.order_by("-pk")[: wanted - len(items)])
    if len(items) <= limit:
        return KeysetPage(items=items, next_cursor=None)
    items = items[:limit]
    last = items[-1]
    return KeysetPage(items=items, next_cursor=encode_cursor(getattr(last, field), last.pk))


def keyset_page_or_422(queryset: QuerySet, *, field: str, params: CursorParams) -> KeysetPage:
    """:func:`keyset_page` for a view: a bad cursor answers 422 like any invalid parameter."""
    try:
        return keyset_page(queryset, field=field, cursor=params.cursor, limit=params.limit)
    except InvalidCursor:
        raise ValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ["query", "cursor"],
                    "msg": "Invalid cursor: pass the next_cursor of a previous page unchanged.",
                }
            ]
        )


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Ninja's limit/offset pagination (``{"items": [...], "count": n}``) with a capped limit,
    for the small tables (servers, users, libraries)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000, description="Items per page (1-1000).")
        offset: int = Field(0, ge=0, le=10**9, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=1000, **kwargs)
