"""The apps' recurring django-q2 schedules, created and corrected one way.

Each app lists its schedules as ``{name: (dotted task path, interval in minutes)}`` and calls
:func:`ensure_interval_schedules` from its data migration (with the historical model) and
wherever it must repair them. Objects with a user-set cron (a rule set, a newsletter) keep one
cron schedule each with :func:`sync_cron_schedule`.
"""

from __future__ import annotations

import datetime as dt

from croniter import croniter
from django.core.exceptions import ValidationError
from django.utils import timezone


def validate_cron(expression: str) -> str:
    """A 5-field cron expression (minute hour day month weekday, 0 = Sunday), whitespace
    normalised; raises ValidationError with the reason and an example."""
    expression = " ".join(str(expression or "").split())
    if len(expression.split(" ")) != 5 or not croniter.is_valid(expression):
        raise ValidationError(
            f"{expression!r} is not a 5-field cron expression (minute hour day month weekday), "
            "e.g. '0 3 * * *' for every day at 03:00."
        )
    return expression


def next_runs(expression: str, count: int = 3, *, start: dt.datetime | None = None) -> list:
    """The next ``count`` aware datetimes (local time) of a valid cron ``expression`` after
    ``start`` (now). Raises ValidationError for a bad expression."""
    runs = croniter(validate_cron(expression), timezone.localtime(start))
    return [runs.get_next(dt.datetime) for _ in range(count)]


def sync_cron_schedule(
    name: str, func: str, args: tuple, cron: str | None, active: bool, *, using: str | None = None
) -> None:
    """Create, correct or delete the django-q2 schedule ``name``: one cron schedule calling
    ``func(*args)`` while ``active`` and ``cron`` is valid; none otherwise. ``using``: the
    database (a ``post_migrate`` handler passes the one migrated; else the router decides).

    A new or changed schedule first runs at the cron's next time, not at once (django-q2 would
    run a new schedule straight away: its ``next_run`` defaults to now)."""
    from django_q.models import Schedule

    schedules = Schedule.objects.db_manager(using)
    try:
        cron = validate_cron(cron)
    except ValidationError:
        cron = None
    if not active or cron is None:
        schedules.filter(name=name).delete()
        return
    arguments = repr(tuple(args)) if len(args) != 1 else repr(args[0])
    schedule = schedules.filter(name=name).first()
    if schedule and (schedule.cron, schedule.func, schedule.args) == (cron, func, arguments):
        return
    if schedule:
        schedule.delete()  # django-q2 computes next_run on create: a new row for a new cron
    schedules.create(
        name=name,
        next_run=next_runs(cron, 1)[0],
        func=func,
        args=arguments,
        schedule_type=Schedule.CRON,
        cron=cron,
        repeats=-1,
    )


def delete_schedule(name: str) -> None:
    """Remove the django-q2 schedule ``name`` if there is one."""
    from django_q.models import Schedule

    Schedule.objects.filter(name=name).delete()


def ensure_interval_schedules(
    schedules: dict[str, tuple[str, int]], schedule_model=None, *, using: str | None = None
) -> list:
    """Create or correct one every-N-minutes schedule per entry of ``schedules`` (matched by
    name); returns the rows.

    ``schedule_model`` is ``django_q.models.Schedule`` by default; a data migration passes its
    historical model and its connection's alias as ``using`` (the router decides otherwise). An existing row keeps its ``next_run`` (only func/type/interval/repeats
    are corrected), so calling this again never re-triggers a run.
    """
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    rows = []
    for name, (func, minutes) in schedules.items():
        row, _ = schedule_model.objects.db_manager(using).update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": "I",  # Schedule.MINUTES
                "minutes": minutes,
                "repeats": -1,  # forever
            },
        )
        rows.append(row)
    return rows
