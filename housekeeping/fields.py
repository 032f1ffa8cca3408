"""What a housekeeping rule can test: the catalogue of fields and their typed operators.

A field is an SQL expression over the inventory (:class:`libraries.models.LibraryMedia`, annotated
with its watch statistics by :func:`stats.inventory.items_with_stats`); an operator turns the
field's annotation and the rule's value into a ``Q``. Together they make a rule one condition of
one query (:mod:`housekeeping.engine`): nothing is evaluated item by item.

Kinds and their operators (:data:`OPERATORS`):

* ``number`` — ``gt lt gte lte eq ne``; the value is a number.
* ``date`` — ``before after`` (an ISO date, midnight in the server's time zone),
  ``in_last_days`` / ``not_in_last_days`` / ``more_than_days_ago`` (a whole number of days;
  ``not_in_last_days`` includes "never", ``more_than_days_ago`` needs a date), ``is_empty`` /
  ``is_set`` (no value).
* ``text`` — ``is is_not contains not_contains`` (case-insensitive).
* ``list`` — ``contains_any contains_all contains_none`` (a list of tags, case-insensitive),
  ``count_gt count_lt count_eq`` (a number).
* ``bool`` — ``is_true is_false``.

Date fields are either datetimes (``added_at``) or epoch seconds (the statistics' dates): the
spec's ``epoch`` says which, and operators compare against the same unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Length, Replace
from django.utils import timezone

from libraries.models import Library, LibraryMedia
from stats.models import MediaUserWatch

from .models import ExternalMedia, MediaService, RuleSet

ALL_SCOPES = tuple(scope for scope, _ in RuleSet.SCOPES)
VIDEO_SCOPES = ("movie", "show", "season", "episode")
SHOW_SCOPES = ("show", "season", "episode")
CONTAINER_SCOPES = ("show", "season", "artist", "album")
GIB = 1024**3


@dataclass(frozen=True)
class FieldSpec:
    """One field a rule can test.

    ``expression(scope, user_ids)`` → the SQL expression of the item's value (over
    ``items_with_stats``); ``epoch``: a date field whose values are epoch seconds;
    ``needs_users``: the rule names users (``Rule.users``), e.g. "last watched by"."""

    label: str
    kind: str
    expression: Callable
    scopes: tuple[str, ...] = ALL_SCOPES
    epoch: bool = False
    needs_users: bool = False
    help: str = ""
    external: bool = False  # read from Radarr/Sonarr/Overseerr copies (ExternalMedia)


def _stat(name):
    return lambda scope, users: F(name)


def _user_watches(users: list[int]):
    """The chosen users' rows of the item (:class:`stats.models.MediaUserWatch`: a few rows per
    item, one per user who played it; old rating keys already counted for the current key)."""
    return (
        MediaUserWatch.objects.filter(
            server_id=OuterRef("server_id"),
            rating_key=OuterRef("rating_key"),
            user_id__in=users or [-1],
        )
        .order_by()
        .values("rating_key")  # one group: the item's rows
    )


def _last_watched_by(scope, users):
    latest = _user_watches(users).annotate(latest=Max("last_watched")).values("latest")
    return Subquery(latest[:1])


def _users_who_watched(scope, users):
    count = _user_watches(users).annotate(n=Count("user_id")).values("n")
    return Coalesce(Subquery(count[:1], output_field=IntegerField()), Value(0))


def _watched_share(scope, users):
    """Percent of the present episodes/tracks watched by anyone (a container's
    ``watched_items / leaf_count``); a movie, episode or track: 100 when watched, else 0."""
    if scope in CONTAINER_SCOPES:
        return Case(
            When(leaf_count__gt=0, then=F("watched_items") * 100.0 / F("leaf_count")),
            default=Value(0.0),
            output_field=FloatField(),
        )
    return Case(When(watched_items__gt=0, then=Value(100.0)), default=Value(0.0))


def _size_gb(scope, users):
    return Cast(F("total_file_size"), FloatField()) / GIB


def _library_name(scope, users):
    return Subquery(
        Library.objects.filter(server_id=OuterRef("server_id"), section_id=OuterRef("section_id"))
        .order_by()
        .values("section_name")[:1],
        output_field=TextField(),
    )


def _show_tvdb(scope):
    """The tvdb id of the item's show: its own for a show, its parent's (season) or
    grandparent's (episode) inventory row's otherwise."""
    if scope == "show":
        return OuterRef("tvdb_id")
    parent = "parent_rating_key" if scope == "season" else "grandparent_rating_key"
    return Subquery(
        LibraryMedia.objects.filter(server_id=OuterRef(OuterRef("server_id")))
        .filter(rating_key=OuterRef(OuterRef(parent)))
        .values("tvdb_id")[:1]
    )


def _external(kinds: tuple[str, ...], column: str):
    def expression(scope, users):
        rows = ExternalMedia.objects.filter(service__kind__in=kinds, service__is_active=True)
        if scope == "movie":
            rows = rows.filter(media_type="movie", tmdb_id=OuterRef("tmdb_id")).exclude(tmdb_id="")
        else:
            rows = rows.filter(media_type="show", tvdb_id=_show_tvdb(scope)).exclude(tvdb_id="")
        return Subquery(rows.order_by("-requested_at", "id").values(column)[:1])

    return expression


REQUEST_KINDS = (MediaService.OVERSEERR, MediaService.JELLYSEERR)

FIELDS: dict[str, FieldSpec] = {
    "added_at": FieldSpec("Date added", "date", lambda scope, users: F("added_at")),
    "last_watched": FieldSpec("Last watched (any user)", "date", _stat("last_watched"), epoch=True),
    "last_watched_current": FieldSpec(
        "Last watched since the current copy was added",
        "date",
        _stat("last_watched_current"),
        epoch=True,
    ),
    "first_watched": FieldSpec("First watched", "date", _stat("first_watched"), epoch=True),
    "last_watched_by": FieldSpec(
        "Last watched by the chosen users",
        "date",
        _last_watched_by,
        epoch=True,
        needs_users=True,
        help="The latest play by any of the rule's users.",
    ),
    "plays": FieldSpec("Plays", "number", _stat("plays")),
    "plays_current": FieldSpec(
        "Plays since the current copy was added", "number", _stat("plays_current")
    ),
    "users": FieldSpec("Distinct users who played it", "number", _stat("users")),
    "watch_time_hours": FieldSpec(
        "Watch time (hours)",
        "number",
        lambda scope, users: Cast(F("watch_time"), FloatField()) / 3600,
    ),
    "watched_share": FieldSpec(
        "Share of episodes/tracks watched (%)",
        "number",
        _watched_share,
        help="Present episodes or tracks watched by anyone, in percent.",
    ),
    "watched_by_users": FieldSpec(
        "How many of the chosen users played it",
        "number",
        _users_who_watched,
        needs_users=True,
    ),
    "watched_by_all": FieldSpec(
        "Played by all of the chosen users",
        "bool",
        _users_who_watched,
        needs_users=True,
    ),
    "size_gb": FieldSpec("Size (GB)", "number", _size_gb),
    "resolution": FieldSpec(
        "Video resolution",
        "text",
        lambda scope, users: F("video_resolution"),
        scopes=("movie", "episode"),
        help="PMS's value: 4k, 1080, 720, 576, 480, sd.",
    ),
    "year": FieldSpec("Year", "number", lambda scope, users: F("year")),
    "title": FieldSpec("Title", "text", lambda scope, users: F("title")),
    "genres": FieldSpec("Genres", "list", lambda scope, users: F("genres")),
    "labels": FieldSpec("Labels", "list", lambda scope, users: F("labels")),
    "collections": FieldSpec("Collections", "list", lambda scope, users: F("collections")),
    "library": FieldSpec("Library name", "text", _library_name),
    "show_status": FieldSpec(
        "Show status (Sonarr: continuing, ended, upcoming)",
        "text",
        _external((MediaService.SONARR,), "status"),
        scopes=SHOW_SCOPES,
        external=True,
    ),
    "requested_by": FieldSpec(
        "Requested by (Overseerr/Jellyseerr)",
        "text",
        _external(REQUEST_KINDS, "requested_by"),
        scopes=VIDEO_SCOPES,
        external=True,
    ),
    "requested_at": FieldSpec(
        "Request date (Overseerr/Jellyseerr)",
        "date",
        _external(REQUEST_KINDS, "requested_at"),
        scopes=VIDEO_SCOPES,
        external=True,
    ),
}

OPERATORS: dict[str, list[tuple[str, str]]] = {
    "number": [
        ("gt", "greater than"),
        ("lt", "less than"),
        ("gte", "at least"),
        ("lte", "at most"),
        ("eq", "equals"),
        ("ne", "is not"),
    ],
    "date": [
        ("before", "before (date)"),
        ("after", "after (date)"),
        ("in_last_days", "in the last N days"),
        ("not_in_last_days", "not in the last N days (or never)"),
        ("more_than_days_ago", "more than N days ago"),
        ("is_empty", "never / empty"),
        ("is_set", "has a date"),
    ],
    "text": [
        ("is", "is"),
        ("is_not", "is not"),
        ("contains", "contains"),
        ("not_contains", "does not contain"),
    ],
    "list": [
        ("contains_any", "contains any of"),
        ("contains_all", "contains all of"),
        ("contains_none", "contains none of"),
        ("count_gt", "count greater than"),
        ("count_lt", "count less than"),
        ("count_eq", "count equals"),
    ],
    "bool": [("is_true", "is true"), ("is_false", "is false")],
}
NO_VALUE = frozenset({"is_empty", "is_set", "is_true", "is_false"})
DAY_OPERATORS = frozenset({"in_last_days", "not_in_last_days", "more_than_days_ago"})
COUNT_OPERATORS = frozenset({"count_gt", "count_lt", "count_eq"})
NUMBER_LOOKUPS = {"gt": "gt", "lt": "lt", "gte": "gte", "lte": "lte", "eq": "exact"}


def operator_label(kind: str, operator: str) -> str:
    return dict(OPERATORS.get(kind, ())).get(operator, operator)


def validate_rule(field: str, operator: str, value, scope: str, users=()) -> object:
    """Check one condition; returns its value normalised (numbers as int/float, dates as ISO
    ``YYYY-MM-DD``, lists as lists of stripped strings, None where the operator takes none).

    Raises :class:`django.core.exceptions.ValidationError` with a message naming the problem:
    unknown field, a field that does not apply to ``scope``, an operator not of the field's
    kind, a missing or malformed value, a per-user field without users.
    """
    spec = FIELDS.get(field)
    if spec is None:
        raise ValidationError(f"Unknown field {field!r}.")
    if scope not in spec.scopes:
        raise ValidationError(f"{spec.label} does not apply to {scope} rule sets.")
    if operator not in dict(OPERATORS[spec.kind]):
        raise ValidationError(f"{operator!r} is not an operator for {spec.label} ({spec.kind}).")
    if spec.needs_users and not users:
        raise ValidationError(f"{spec.label}: choose at least one user.")
    if operator in NO_VALUE:
        return None
    if value in (None, "", []):
        raise ValidationError(
            f"{spec.label} {operator_label(spec.kind, operator)}: a value is needed."
        )
    if spec.kind == "number" or operator in COUNT_OPERATORS or operator in DAY_OPERATORS:
        number = _number(value, spec.label)
        if (operator in DAY_OPERATORS or operator in COUNT_OPERATORS) and (
            number != int(number) or number < 0
        ):
            raise ValidationError(f"{spec.label}: a whole number of days/items is needed.")
        return int(number) if number == int(number) else number
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValidationError(f"{spec.label}: {value!r} is not a date (YYYY-MM-DD).") from None
    if spec.kind == "list":
        tags = value if isinstance(value, list) else str(value).split(",")
        tags = [str(tag).strip() for tag in tags if str(tag).strip()]
        if not tags or any("|" in tag for tag in tags):
            raise ValidationError(f"{spec.label}: give tags separated by commas (no '|').")
        return tags
    return str(value).strip()


def _number(value, label: str) -> float:
    if isinstance(value, bool):
        raise ValidationError(f"{label}: {value!r} is not a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{label}: {value!r} is not a number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(f"{label}: {value!r} is not a number.")
    return number


def tag_count(expression):
    """The number of tags in a ``"|a|b|"`` column (0 for ``""``)."""
    return Case(
        When(**{f"{expression}": ""}, then=Value(0)),
        default=Length(expression) - Length(Replace(expression, Value("|"), Value(""))) - 1,
        output_field=IntegerField(),
    )


def condition_q(name: str, spec: FieldSpec, operator: str, value, *, now, user_count=0) -> Q:
    """The ``Q`` of one condition over the annotation ``name`` (the field's value).

    ``now``: an aware datetime (the run's clock) for the day operators; ``user_count``: the
    number of chosen users (``watched_by_all``)."""
    if spec.kind == "bool":  # watched_by_all: every chosen user played it
        q = Q(**{name: user_count}) & Q(**{f"{name}__gt": 0})
        return q if operator == "is_true" else ~q
    if spec.kind == "number":
        if operator == "ne":
            return ~Q(**{name: value}) | Q(**{f"{name}__isnull": True})
        return Q(**{f"{name}__{NUMBER_LOOKUPS[operator]}": value})
    if spec.kind == "text":
        lookup = {"is": "iexact", "is_not": "iexact", "contains": "icontains"}.get(
            operator, "icontains"
        )
        q = Q(**{f"{name}__{lookup}": value})
        if operator in ("is_not", "not_contains"):
            return ~q | Q(**{f"{name}__isnull": True})
        return q
    if spec.kind == "list":
        if operator in COUNT_OPERATORS:
            lookup = {"count_gt": "gt", "count_lt": "lt", "count_eq": "exact"}[operator]
            return Q(**{f"{name}_count__{lookup}": value})
        parts = [Q(**{f"{name}__icontains": f"|{tag}|"}) for tag in value]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if operator == "contains_all" else combined | part
        return ~combined if operator == "contains_none" else combined
    # dates
    if operator == "is_empty":
        return Q(**{f"{name}__isnull": True})
    if operator == "is_set":
        return Q(**{f"{name}__isnull": False})
    if operator in DAY_OPERATORS:
        cutoff = now - dt.timedelta(days=value)
    else:
        day = dt.date.fromisoformat(value)
        cutoff = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    bound = int(cutoff.timestamp()) if spec.epoch else cutoff
    if operator == "in_last_days":
        return Q(**{f"{name}__gte": bound})
    if operator == "not_in_last_days":
        return Q(**{f"{name}__lt": bound}) | Q(**{f"{name}__isnull": True})
    if operator in ("more_than_days_ago", "before"):
        return Q(**{f"{name}__lt": bound})
    return Q(**{f"{name}__gte": bound})  # after: on or after that day
