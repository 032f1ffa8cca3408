"""Bounded input types and the error answers of the REST API (/api/), in one place.

Every REST parameter and body field is typed with these (or an enum) so that a value no column
or conversion can hold is refused by the schema — HTTP 422 naming the parameter — before it
reaches the database: integers beyond a signed 64-bit column (``BIGINT``: SQLite raises
``OverflowError``, PostgreSQL "out of range"), NUL characters (PostgreSQL text cannot hold
them), datetimes whose conversion to UTC leaves Python's years 1-9999 (``OverflowError``).
The bounds show in the OpenAPI schema (``minimum``/``maximum``) where JSON Schema can say them.

:func:`error_responses` declares the 4xx answers of an operation, so the OpenAPI schema lists
every status the operation can answer: 400 (a request Django refuses to read), 401 (every
operation needs the key), 422 (a malformed parameter or body) and the ones it names.

The bounds are :mod:`core.limits`, shared with the /api/v2 parameters (``core.tautulli_api``).
"""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator

from .limits import INT64_MAX, INT64_MIN

# An id or key stored in a BIGINT column (pks, plex.tv user ids, rating keys, section ids).
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL: refuse it as a validation error (422)."""
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


# A text parameter or field: any characters but NUL (give it a ``max_length`` with Field).
Text = Annotated[str, AfterValidator(_no_nul)]


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC (a naive value is taken as UTC). Raises ValueError (422) when the
    conversion leaves Python's years 1-9999 (``0001-01-01T00:00+05:00``)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("Date and time out of range once converted to UTC")


# An ISO 8601 date and time (UTC when it has no offset), converted to UTC.
UtcDateTime = Annotated[dt.datetime, AfterValidator(_utc)]


class ErrorOut(Schema):
    """A refused request: ``{"detail": "message"}``."""

    detail: str = Field(..., description="What is wrong.")


class InvalidOut(Schema):
    """A malformed parameter or body (422)."""

    detail: list[dict] = Field(
        ...,
        description='Each malformed value: `[{"loc": ["query" | "path" | "body", name], '
        '"msg": ..., "type": ...}]`.',
    )


def error_responses(*statuses: int) -> dict[int, type[Schema]]:
    """The 4xx part of an operation's ``response=`` mapping: 400 (a request Django refuses to
    read, e.g. over DATA_UPLOAD_MAX_NUMBER_FIELDS parameters; for some operations also input the
    domain refuses or a body that is not JSON), 401 (no or a wrong key), 422 (a malformed
    parameter or body), plus ``statuses`` (404: an unknown object). Each answers
    ``{"detail": ...}`` (a list of errors for 422)."""
    responses: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 422: InvalidOut}
    responses.update({status: ErrorOut for status in statuses})
    return dict(sorted(responses.items()))
