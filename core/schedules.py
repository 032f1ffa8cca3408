"""The apps' recurring django-q2 schedules, created and corrected one way.

Each app lists its schedules as ``{name: (dotted task path, interval in minutes)}`` and calls
:func:`ensure_interval_schedules` from its data migration (with the historical model) and
wherever it must repair them.
"""

from __future__ import annotations


def ensure_interval_schedules(schedules: dict[str, tuple[str, int]], schedule_model=None) -> list:
    """Create or correct one every-N-minutes schedule per entry of ``schedules`` (matched by
    name); returns the rows.

    ``schedule_model`` is ``django_q.models.Schedule`` by default; a data migration passes its
    historical model. An existing row keeps its ``next_run`` (only func/type/interval/repeats
    are corrected), so calling this again never re-triggers a run.
    """
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    rows = []
    for name, (func, minutes) in schedules.items():
        row, _ = schedule_model.objects.update_or_create(
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
