"""Deletion candidates' notifications (issue 14): the housekeeping events of
:mod:`core.housekeeping_events` through the notification pipeline.

The housekeeping app sends its signals after commit; the receivers here enqueue
:func:`notify_housekeeping` (a django-q2 task, as :func:`notifications.pipeline.queue_event`)
when a notifier is switched on for the matching action
(:class:`notifications.actions.HousekeepingAction`):

* ``candidates_added(rule_set_id, candidate_ids)`` → ``on_candidates_added``: one notification
  per signal (a rule set's run), naming the items;
* ``candidates_due(rule_set_id, candidate_ids, days)`` → ``on_candidates_due``;
* ``action_finished(action_log_id, status)`` → ``on_candidate_acted`` (``done``, ``dry_run``) or
  ``on_candidate_failed`` (``failed``).

This app does not import the housekeeping app (sibling layers): its models are read through the
apps registry (:func:`django.apps.apps.get_model`).

Parameters (besides Tautulli's Global ones, :func:`notifications.parameters.global_parameters`,
of the items' first server): ``title`` (the item's full title; for several candidates the first
:data:`TITLES_SHOWN` joined with ", " and "and N more"), ``media_type``, ``size`` (human, e.g.
"4.2 GB") and ``size_bytes`` (int), ``rule_set``, ``due_date`` (a date, the earliest due),
``days_left`` (whole days until then, ≥ 0), ``candidate_count``, ``total_size`` (human),
``total_size_bytes``, ``action`` (the rule set's or the audit row's action: delete, unmonitor...),
``result`` (the audit's result text), ``dry_run`` ("yes"/"no"), ``server_name`` and
``library_name`` (distinct names joined with ", "), ``rating_key`` (a single item's).
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.apps import apps
from django.dispatch import receiver
from django_q.tasks import async_task

from core import clock
from core.housekeeping_events import action_finished, candidates_added, candidates_due
from libraries.models import Library
from servers.models import Server

from .actions import HousekeepingAction
from .delivery import TASK_OPTIONS
from .models import NotifierTrigger
from .parameters import global_parameters
from .parameters.values import date_format, local_arrow
from .text import DateValue

logger = logging.getLogger(__name__)

TASK = "notifications.housekeeping.notify_housekeeping"
# Titles named in one notification about several candidates.
TITLES_SHOWN = 10
# The audit's statuses → the action notified.
FINISHED_ACTIONS = {
    "done": HousekeepingAction.CANDIDATE_ACTED,
    "dry_run": HousekeepingAction.CANDIDATE_ACTED,
    "failed": HousekeepingAction.CANDIDATE_FAILED,
}


def size_text(size) -> str:
    """Bytes → ``"4.2 GB"`` (powers of 1024, one decimal; ``"512 B"`` below 1 kB); ``""`` for
    None."""
    if size is None:
        return ""
    value = float(size)
    if value < 1024:
        return f"{int(value)} B"
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        value /= 1024
        if value < 1024 or unit == "PB":
            return f"{value:.1f} {unit}"
    return ""  # pragma: no cover


def _queue(action: HousekeepingAction, event: dict) -> None:
    if not NotifierTrigger.objects.filter(action=action.value, enabled=True).exists():
        return
    async_task(TASK, {"action": action.value, **event}, task_name=action.value, **TASK_OPTIONS)


@receiver(candidates_added, dispatch_uid="notifications.housekeeping.added")
def queue_candidates_added(sender, rule_set_id: int, candidate_ids, **kwargs) -> None:
    """``candidates_added`` → ``on_candidates_added`` (queued when a notifier is on for it)."""
    _queue(
        HousekeepingAction.CANDIDATES_ADDED,
        {"rule_set_id": rule_set_id, "candidate_ids": [int(pk) for pk in candidate_ids]},
    )


@receiver(candidates_due, dispatch_uid="notifications.housekeeping.due")
def queue_candidates_due(sender, rule_set_id: int, candidate_ids, days: int, **kwargs) -> None:
    """``candidates_due`` → ``on_candidates_due``."""
    _queue(
        HousekeepingAction.CANDIDATES_DUE,
        {
            "rule_set_id": rule_set_id,
            "candidate_ids": [int(pk) for pk in candidate_ids],
            "days": int(days),
        },
    )


@receiver(action_finished, dispatch_uid="notifications.housekeeping.finished")
def queue_action_finished(sender, action_log_id: int, status: str, **kwargs) -> None:
    """``action_finished`` → ``on_candidate_acted`` (done, dry_run) or ``on_candidate_failed``;
    any other status is not notified."""
    action = FINISHED_ACTIONS.get(status)
    if action is not None:
        _queue(action, {"action_log_id": int(action_log_id), "status": status})


def notify_housekeeping(event: dict) -> dict:
    """Task: notify every notifier switched on for ``event["action"]`` (a
    :class:`HousekeepingAction` value) about the candidates or audit row the event names.

    ``event``: ``{"action", "rule_set_id", "candidate_ids", "days"?}`` or ``{"action",
    "action_log_id", "status"}``. Each notifier's own rules apply (agent's actions, custom
    conditions, texts: :func:`notifications.pipeline.notify_one`). Returns ``{"sent": [log
    ids], "skipped": reason}``; rows deleted since the event are skipped, not an error.
    """
    from .pipeline import notify_triggers

    action = event["action"]
    triggers = list(
        NotifierTrigger.objects.filter(action=action, enabled=True)
        .select_related("notifier")
        .order_by("notifier_id")
    )
    if not triggers:
        return {"sent": [], "skipped": "no notifier is on for this action"}
    built = housekeeping_parameters(event)
    if built is None:
        return {"sent": [], "skipped": "its candidates or audit row no longer exist"}
    parameters, log_event = built
    return notify_triggers(triggers, action, log_event, parameters)


def housekeeping_parameters(event: dict) -> tuple[dict, dict] | None:
    """``(parameters, log_event)`` of a housekeeping event, or None when what it names is gone.

    ``log_event`` is what the notify_log row records: ``server_id`` and, for one item, a
    ``session`` with its ``rating_key`` / parent / grandparent keys."""
    if "action_log_id" in event:
        return _finished_parameters(event)
    return _candidates_parameters(event)


def _candidates_parameters(event: dict) -> tuple[dict, dict] | None:
    Candidate = apps.get_model("housekeeping", "Candidate")
    RuleSet = apps.get_model("housekeeping", "RuleSet")
    rule_set = RuleSet.objects.filter(pk=event.get("rule_set_id")).first()
    candidates = list(
        Candidate.objects.filter(pk__in=event.get("candidate_ids") or [], rule_set=rule_set)
        .select_related("item")
        .order_by("due_at", "pk")
    )
    if rule_set is None or not candidates:
        return None
    items = [candidate.item for candidate in candidates]
    due = min(candidate.due_at for candidate in candidates)
    sizes = [candidate.size for candidate in candidates if candidate.size is not None]
    total = sum(sizes)
    single = len(candidates) == 1
    values = {
        "title": _titles(items),
        "media_type": _one_or_joined(item.media_type for item in items),
        "size": size_text(candidates[0].size if single else total),
        "size_bytes": (candidates[0].size if single else total) or 0,
        "rule_set": rule_set.name,
        "due_date": DateValue(local_arrow(due), date_format()),
        "days_left": _days_left(due),
        "candidate_count": len(candidates),
        "total_size": size_text(total),
        "total_size_bytes": total,
        "action": rule_set.action,
        "result": "",
        "dry_run": "yes" if rule_set.dry_run else "no",
        "rating_key": items[0].rating_key if single else "",
    }
    return _with_places(values, items, single)


def _finished_parameters(event: dict) -> tuple[dict, dict] | None:
    ActionLog = apps.get_model("housekeeping", "ActionLog")
    LibraryMedia = apps.get_model("libraries", "LibraryMedia")
    log = ActionLog.objects.select_related("rule_set", "candidate").filter(
        pk=event["action_log_id"]
    )
    log = log.first()
    if log is None:
        return None
    item = None
    if log.candidate is not None:
        item = LibraryMedia.objects.filter(pk=log.candidate.item_id).first()
    if item is None and log.server_id is not None and log.rating_key is not None:
        item = LibraryMedia.objects.filter(
            server_id=log.server_id, rating_key=log.rating_key
        ).first()
    due = log.candidate.due_at if log.candidate is not None else None
    values = {
        "title": _full_title(item) if item is not None else log.title,
        "media_type": log.media_type or (item.media_type if item is not None else ""),
        "size": size_text(log.size),
        "size_bytes": log.size or 0,
        "rule_set": log.rule_set.name if log.rule_set is not None else log.rule_set_name,
        "due_date": DateValue(local_arrow(due), date_format()) if due else "",
        "days_left": _days_left(due) if due else "",
        "candidate_count": 1,
        "total_size": size_text(log.size),
        "total_size_bytes": log.size or 0,
        "action": log.action,
        "result": log.result or log.get_status_display(),
        "dry_run": "yes" if log.dry_run else "no",
        "rating_key": log.rating_key if log.rating_key is not None else "",
    }
    if item is not None:
        return _with_places(values, [item], True)
    server = (
        Server.objects.filter(pk=log.server_id).first() or Server.objects.order_by("pk").first()
    )
    return _with_places(values, [], True, server=server)


def _with_places(values: dict, items: list, single: bool, server=None) -> tuple[dict, dict]:
    """Add the Global parameters of the items' first server, ``server_name`` and
    ``library_name``; and the notify_log's event."""
    server_ids = sorted({item.server_id for item in items})
    servers = {s.pk: s for s in Server.objects.filter(pk__in=server_ids)}
    server = servers.get(server_ids[0]) if server_ids else server
    parameters = global_parameters(server, values["action"]) if server is not None else {}
    parameters.update(values)
    parameters["server_name"] = ", ".join(servers[pk].name for pk in server_ids if pk in servers)
    if not parameters["server_name"] and server is not None:
        parameters["server_name"] = server.name
    parameters["library_name"] = _library_names(items)
    log_event = {"server_id": server_ids[0] if len(server_ids) == 1 else None}
    if single and items:
        item = items[0]
        log_event["session"] = {
            "rating_key": item.rating_key,
            "parent_rating_key": item.parent_rating_key,
            "grandparent_rating_key": item.grandparent_rating_key,
        }
    return parameters, log_event


def _library_names(items) -> str:
    keys = {(item.server_id, item.section_id) for item in items}
    if not keys:
        return ""
    names = {
        (server_id, section_id): name
        for server_id, section_id, name in Library.objects.filter(
            server_id__in={k[0] for k in keys}, section_id__in={k[1] for k in keys}
        ).values_list("server_id", "section_id", "section_name")
    }
    return ", ".join(sorted({names[key] for key in keys if names.get(key)}))


def _full_title(item) -> str:
    """ "Show - S01E02 - Title" for an episode, "Show - Season 1" for a season, "Artist -
    Album" for an album, the title otherwise (with the year for a movie)."""
    if item.media_type == "episode":
        return (
            f"{item.grandparent_title} - S{item.parent_media_index or 0:02d}"
            f"E{item.media_index or 0:02d} - {item.title}"
        )
    if item.media_type in ("season", "album", "track"):
        parent = item.grandparent_title if item.media_type == "track" else item.parent_title
        return f"{parent} - {item.title}" if parent else item.title
    if item.media_type == "movie" and item.year:
        return f"{item.title} ({item.year})"
    return item.title


def _titles(items) -> str:
    titles = [_full_title(item) for item in items[:TITLES_SHOWN]]
    rest = len(items) - len(titles)
    return ", ".join(titles) + (f" and {rest} more" if rest > 0 else "")


def _one_or_joined(values) -> str:
    return ", ".join(sorted({value for value in values if value}))


def _days_left(due: dt.datetime) -> int:
    """Whole days from now until ``due`` (rounded up, never below 0)."""
    seconds = (due - clock.now()).total_seconds()
    return max(0, math.ceil(seconds / 86400))
