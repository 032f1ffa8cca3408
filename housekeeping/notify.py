"""The "action due in N days" announcement (issue 14): which open candidates are due soon, told
once per due date through :data:`core.housekeeping_events.candidates_due` (the notifications
app turns it into ``on_candidates_due`` notifications).

Run hourly by django-q2 (the "Announce due deletion candidates" schedule, migration 0003).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q

from core import clock
from core.housekeeping_events import candidates_due

from .models import Candidate

DEFAULT_DAYS = 3


def announce_due_candidates(days: int = DEFAULT_DAYS, now: dt.datetime | None = None) -> dict:
    """Announce the open candidates (pending, postponed, failed) of active rule sets whose
    ``due_at`` falls within ``days`` days of ``now`` (aware UTC datetime, default the clock's
    now; a candidate already overdue counts) and that were not yet announced for that due date
    (``Candidate.notified_due_at`` differs from ``due_at``: a postponement announces again).

    Sends one ``candidates_due(rule_set_id, candidate_ids, days)`` per rule set after commit and
    sets ``notified_due_at = due_at``. Returns ``{rule_set_id: [candidate ids]}``. Raises
    ValueError for a negative ``days``.
    """
    if days < 0:
        raise ValueError("days must be 0 or more")
    now = now or clock.now()
    horizon = now + dt.timedelta(days=days)
    announced: dict[int, list[int]] = {}
    with transaction.atomic():
        rows = (
            Candidate.objects.open()
            .select_for_update()
            .filter(rule_set__is_active=True, due_at__lte=horizon)
            .filter(Q(notified_due_at__isnull=True) | ~Q(notified_due_at=F("due_at")))
            .order_by("rule_set_id", "due_at", "pk")
            .values_list("pk", "rule_set_id")
        )
        for pk, rule_set_id in rows:
            announced.setdefault(rule_set_id, []).append(pk)
        ids = [pk for pks in announced.values() for pk in pks]
        if ids:
            Candidate.objects.filter(pk__in=ids).update(notified_due_at=F("due_at"))
        for rule_set_id, pks in announced.items():
            transaction.on_commit(
                lambda rule_set_id=rule_set_id, pks=pks: candidates_due.send(
                    sender=Candidate, rule_set_id=rule_set_id, candidate_ids=pks, days=days
                )
            )
    return announced
