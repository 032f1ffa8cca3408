"""ORM expressions shared by the history table's queries (PostgreSQL and SQLite)."""

from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    F,
    FloatField,
    Func,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Lower, NullIf, Trim
from django.db.models.lookups import Exact


class EpochSeconds(Func):
    """A DateTimeField expression as epoch seconds (bigint); NULL stays NULL."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )


class EpochToDateTime(Func):
    """Epoch seconds (an integer expression) as a datetime, comparable with DateTimeFields."""

    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="to_timestamp(%(expressions)s)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="datetime(%(expressions)s, 'unixepoch')", **extra
        )


def percent_ratio(view_offset: str, duration: str):
    """Tautulli's per-row percent (reference 1.3): view_offset / duration × 100, as a float.

    No view_offset counts as 0.1 ms, no duration as 1.0 ms (Tautulli's CASEs); a duration of 0 gives
    NULL (SQLite's division by zero). Both arguments are field paths, in milliseconds.
    """
    numerator = Case(
        When(**{f"{view_offset}__isnull": True}, then=Value(0.1)),
        default=Cast(view_offset, FloatField()),
        output_field=FloatField(),
    )
    denominator = Case(
        When(**{f"{duration}__isnull": True}, then=Value(1.0)),
        default=Cast(NullIf(duration, Value(0)), FloatField()),
        output_field=FloatField(),
    )
    return numerator / denominator * Value(100.0)


def display_name(friendly_name: str, username: str):
    """Tautulli's friendly name: ``friendly_name`` unless NULL or blank after TRIM, else username."""
    return Case(
        When(Q(**{f"{friendly_name}__isnull": True}), then=F(username)),
        When(Exact(Trim(friendly_name), Value("")), then=F(username)),
        default=F(friendly_name),
        output_field=TextField(),
    )


def nocase(expression):
    """Sort key for Tautulli's ``COLLATE NOCASE`` ordering of text columns."""
    return Lower(expression)
