"""django-q2 tasks of housekeeping: a rule set's run (its cron schedule, the admin's "Run now",
the API)."""

from __future__ import annotations

import logging

from core.clock import now as clock_now

from .engine import EvaluationError, evaluate
from .models import Candidate, MediaService, RuleSet

logger = logging.getLogger(__name__)


def run_rule_set(rule_set_id: int, *, actor_label: str = "schedule", act: bool = True) -> dict:
    """One run of a rule set: refresh the services' listings (when any service is connected),
    evaluate the rules (:func:`housekeeping.engine.evaluate`), act on the candidates now due
    (``act``; a dry-run rule set records what it would do), and keep its "leaving soon" Plex
    collection in step. The outcome is stored on the rule set (``last_run``) and returned:
    ``{"matched", "added", "removed", "size", "grace_days", "acted", "failed", "error"}``.

    An inactive or missing rule set does nothing (``{"skipped": reason}``). An evaluation that
    cannot run (a service's listing failed) changes no candidate and acts on none.
    """
    rule_set = RuleSet.objects.filter(pk=rule_set_id).first()
    if rule_set is None:
        return {"skipped": "no such rule set"}
    if not rule_set.is_active and actor_label == "schedule":
        return {"skipped": "inactive"}
    started = clock_now()
    outcome = {"started": started.isoformat(), "by": actor_label}
    from .actions import resume_interrupted

    resumed = resume_interrupted()  # actions a crash cut short: closed before anything new
    if resumed:
        outcome["resumed"] = [log.pk for log in resumed]
    if MediaService.objects.filter(is_active=True).exists():
        from .services.sync import sync_services

        sync_services()
    try:
        result = evaluate(rule_set, now=started)
    except EvaluationError as exc:
        logger.warning("Rule set %s not evaluated: %s", rule_set.name, exc)
        outcome["error"] = str(exc)
        _store(rule_set, started, outcome)
        return outcome
    outcome.update(
        matched=result.matched,
        added=len(result.added),
        removed=result.removed,
        size=result.size,
        grace_days=result.grace_days,
    )
    if act:
        outcome.update(act_on_due(rule_set, actor_label=actor_label, now=started))
    if rule_set.leaving_soon_collection:
        outcome["collection"] = sync_leaving_soon(rule_set)
    _store(rule_set, started, outcome)
    return outcome


def act_on_due(rule_set: RuleSet, *, actor_label: str, now=None) -> dict:
    """Act on the rule set's pending and postponed candidates whose due date has come (and
    retry the failed ones that are due): ``{"acted": n, "failed": n}``."""
    from .actions import ActionRefused, act_on

    now = now or clock_now()
    acted = failed = 0
    due = (
        Candidate.objects.open()
        .filter(rule_set=rule_set, due_at__lte=now)
        .select_related("item", "rule_set")
    )
    for candidate in due.order_by("due_at", "id"):
        try:
            log = act_on(candidate, actor=None, actor_label=actor_label)
        except ActionRefused:  # claimed meanwhile (an admin acting, another run): not ours
            continue
        if log.status == log.FAILED:
            failed += 1
        else:
            acted += 1
    return {"acted": acted, "failed": failed}


def sync_leaving_soon(rule_set: RuleSet) -> dict:
    """Keep the rule set's "leaving soon" Plex collection, in each of its libraries, holding
    exactly its open candidates: ``{"<server>/<section_id>": result or error}``."""
    from plex.housekeeping import PlexHousekeepingError, sync_collection

    results = {}
    for library in rule_set.libraries.select_related("server"):
        keys = list(
            Candidate.objects.open()
            .filter(
                rule_set=rule_set,
                item__server_id=library.server_id,
                item__section_id=library.section_id,
            )
            .values_list("item__rating_key", flat=True)
        )
        label = f"{library.server.name}/{library.section_id}"
        try:
            results[label] = sync_collection(
                library.server, library.section_id, rule_set.leaving_soon_collection, keys
            )
        except PlexHousekeepingError as exc:  # one library failing must not stop the others
            logger.warning("Leaving-soon collection of %s in %s: %s", rule_set, label, exc)
            results[label] = {"error": str(exc)}
    return results


def _store(rule_set: RuleSet, started, outcome: dict) -> None:
    RuleSet.objects.filter(pk=rule_set.pk).update(last_run_at=started, last_run=outcome)
