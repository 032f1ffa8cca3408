"""Keep and postpone: the review decisions an admin takes on candidates, each audited.

* :func:`keep_candidates` — an :class:`~housekeeping.models.Exclusion` per item (for the
  candidate's rule set, or every rule set), the candidate and the open candidates of its
  children (seasons, episodes, albums, tracks; and of the item itself in the other rule sets
  when kept for all) marked excluded; one ``keep`` audit row per item.
* :func:`postpone_candidates` — the action moved ``days`` later (from the later of now and the
  due date), status postponed; one ``postpone`` audit row per candidate.

Both take the actor (a Django user or None) and a label ("admin: alice", "api"); they run in
one transaction and return the audit rows they wrote. The admin's list actions and candidate
pages and the REST API's keep/postpone call them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import clock

from .models import ActionLog, Candidate, Exclusion

KEEPABLE = Candidate.OPEN


def _audit(candidate: Candidate, action: str, *, actor, actor_label: str, result: str) -> ActionLog:
    return ActionLog.record(
        candidate,
        actor=actor,
        actor_label=actor_label,
        action=action,
        dry_run=False,
        target="review",
        files=[],
        status=ActionLog.DONE,
        finished_at=clock.now(),
        result=result,
    )


def keep_candidates(
    candidates, *, actor, actor_label: str, every_rule_set: bool = False, note: str = ""
) -> list[ActionLog]:
    """Keep each open candidate of ``candidates`` for good (see the module docstring); kept,
    acted or acting candidates are skipped. ``every_rule_set``: the exclusion applies to every
    rule set (``rule_set`` null), else to the candidate's own. Returns the ``keep`` audit rows."""
    logs = []
    with transaction.atomic():
        for candidate in candidates.select_related("item", "rule_set").select_for_update(
            of=("self",)
        ):
            if candidate.status not in KEEPABLE:
                continue
            item = candidate.item
            rule_set = None if every_rule_set else candidate.rule_set
            Exclusion.objects.get_or_create(
                server_id=item.server_id,
                rating_key=item.rating_key,
                rule_set=rule_set,
                defaults={"title": str(item.title or item), "created_by": actor, "note": note},
            )
            # Its children's candidates (and, kept for every rule set, the item's own in the
            # other rule sets) are kept with it.
            related = Candidate.objects.filter(
                Q(item__parent_rating_key=item.rating_key)
                | Q(item__grandparent_rating_key=item.rating_key)
                | Q(item_id=item.pk),
                item__server_id=item.server_id,
                status__in=KEEPABLE,
            ).exclude(pk=candidate.pk)
            if rule_set is not None:
                related = related.filter(rule_set=rule_set)
            cascaded = related.update(status=Candidate.EXCLUDED)
            candidate.status = Candidate.KEPT
            candidate.save(update_fields=["status"])
            result = "kept for every rule set" if every_rule_set else "kept for this rule set"
            if cascaded:
                result += f"; {cascaded} other candidate(s) under it excluded"
            logs.append(
                _audit(candidate, "keep", actor=actor, actor_label=actor_label, result=result)
            )
    return logs


def postpone_candidates(candidates, days: int, *, actor, actor_label: str) -> list[ActionLog]:
    """Move each open candidate's due date ``days`` days past the later of now and its due
    date; status postponed. Returns the ``postpone`` audit rows."""
    logs = []
    now = clock.now()
    with transaction.atomic():
        for candidate in candidates.select_related("item", "rule_set").select_for_update(
            of=("self",)
        ):
            if candidate.status not in Candidate.OPEN:
                continue
            before = candidate.due_at
            candidate.due_at = max(now, before) + dt.timedelta(days=days)
            candidate.status = Candidate.POSTPONED
            candidate.save(update_fields=["due_at", "status"])
            result = (
                f"postponed {days} day(s): due {timezone.localtime(before):%Y-%m-%d} → "
                f"{timezone.localtime(candidate.due_at):%Y-%m-%d}"
            )
            logs.append(
                _audit(candidate, "postpone", actor=actor, actor_label=actor_label, result=result)
            )
    return logs
