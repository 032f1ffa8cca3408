"""REST endpoints of deletion candidates (issue 14), mounted under /api/housekeeping by
tautulli_project.api:

* ``GET /rule-sets`` — the rule sets, their candidates counted, the bytes they would free;
* ``GET /candidates`` (filtered, paged in SQL) and ``GET /candidates/{id}`` — each candidate
  with its item, trace and the item's watch statistics (:func:`stats.inventory.items_with_stats`
  for the page's items: a fixed number of queries per page, whatever its size);
* ``GET /actions`` — the audit (:class:`housekeeping.models.ActionLog`), filtered;
* ``POST /candidates/{id}/keep``, ``/postpone``, ``/act`` — each audited (``actor_label``
  "api"; an admin session's user is the actor and needs ``housekeeping.act_on_candidates``).

Units: datetimes ISO 8601 UTC; sizes bytes; ``watch_time`` seconds.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Min, Sum
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.errors import HttpError

from core.auth import has_api_key
from core.rest_types import error_responses
from core.timeutils import from_epoch
from libraries.models import LibraryMedia
from stats.inventory import items_with_stats, user_names

from .actions import ActionRefused, act_on
from .models import ActionLog, Candidate, RuleSet
from .review import keep_candidates, postpone_candidates
from .schemas import (
    ActIn,
    ActionResultOut,
    AuditFilters,
    AuditPageOut,
    CandidateFilters,
    CandidateOut,
    CandidatePageOut,
    KeepIn,
    PageParams,
    PostponeIn,
    RuleSetOut,
)

router = Router(tags=["housekeeping"])

API_ACTOR = "api"


# --- reads ------------------------------------------------------------------------------------
def rule_set_rows(queryset=None) -> list[dict]:
    """Every rule set of ``queryset`` (default all) as :class:`RuleSetOut` dicts: three queries
    (the rule sets, their libraries, the candidates grouped by rule set and status)."""
    rule_sets = list((queryset if queryset is not None else RuleSet.objects.all()).order_by("name"))
    ids = [rule_set.pk for rule_set in rule_sets]
    libraries: dict[int, list[int]] = {}
    for rule_set_id, library_id in RuleSet.libraries.through.objects.filter(
        ruleset_id__in=ids
    ).values_list("ruleset_id", "library_id"):
        libraries.setdefault(rule_set_id, []).append(library_id)
    counts: dict[int, dict[str, int]] = {}
    open_totals: dict[int, dict] = {}
    for row in (
        Candidate.objects.filter(rule_set_id__in=ids)
        .values("rule_set_id", "status")
        .annotate(n=Count("pk"), size=Sum("size"), due=Min("due_at"))
    ):
        counts.setdefault(row["rule_set_id"], {})[row["status"]] = row["n"]
        if row["status"] in Candidate.OPEN:
            total = open_totals.setdefault(row["rule_set_id"], {"n": 0, "size": 0, "due": None})
            total["n"] += row["n"]
            total["size"] += row["size"] or 0
            if row["due"] is not None and (total["due"] is None or row["due"] < total["due"]):
                total["due"] = row["due"]
    rows = []
    for rule_set in rule_sets:
        total = open_totals.get(rule_set.pk, {"n": 0, "size": 0, "due": None})
        rows.append(
            {
                "id": rule_set.pk,
                "name": rule_set.name,
                "description": rule_set.description,
                "scope": rule_set.scope,
                "is_active": rule_set.is_active,
                "dry_run": rule_set.dry_run,
                "action": rule_set.action,
                "grace_days": rule_set.grace_days,
                "schedule": rule_set.schedule,
                "library_ids": sorted(libraries.get(rule_set.pk, [])),
                "last_run_at": rule_set.last_run_at,
                "candidate_count": total["n"],
                "status_counts": counts.get(rule_set.pk, {}),
                "reclaimable_bytes": total["size"],
                "next_due_at": total["due"],
            }
        )
    return rows


def filtered_candidates(filters: CandidateFilters):
    """The candidates matching ``filters``, in their ``sort`` order (then id)."""
    queryset = Candidate.objects.all()
    if filters.rule_set is not None:
        queryset = queryset.filter(rule_set_id=filters.rule_set)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    if filters.server is not None:
        queryset = queryset.filter(item__server_id=filters.server)
    if filters.section_id is not None:
        queryset = queryset.filter(item__section_id=filters.section_id)
    if filters.media_type:
        queryset = queryset.filter(item__media_type=filters.media_type)
    if filters.due_before is not None:
        queryset = queryset.filter(due_at__lt=filters.due_before)
    tie = "-pk" if filters.sort.startswith("-") else "pk"
    return queryset.order_by(filters.sort, tie)


def candidate_rows(candidates: list[Candidate]) -> list[dict]:
    """``candidates`` (with ``rule_set`` and ``item__server`` selected) as :class:`CandidateOut`
    dicts: their items' statistics in one query, the users' names in one more."""
    items = {
        item.pk: item
        for item in items_with_stats(
            LibraryMedia.objects.filter(pk__in={c.item_id for c in candidates})
        )
    }
    names = user_names(list(items.values()))
    rows = []
    for candidate in candidates:
        item = items.get(candidate.item_id, candidate.item)
        rows.append(
            {
                "id": candidate.pk,
                "rule_set_id": candidate.rule_set_id,
                "rule_set": candidate.rule_set.name,
                "status": candidate.status,
                "first_matched_at": candidate.first_matched_at,
                "last_matched_at": candidate.last_matched_at,
                "due_at": candidate.due_at,
                "size": candidate.size,
                "trace": candidate.trace or [],
                "reason": candidate.reason,
                "notified_due_at": candidate.notified_due_at,
                "acted_at": candidate.acted_at,
                "item": {
                    "id": item.pk,
                    "server_id": item.server_id,
                    "server_name": candidate.item.server.name,
                    "section_id": item.section_id,
                    "rating_key": item.rating_key,
                    "media_type": item.media_type,
                    "title": item.title,
                    "parent_title": item.parent_title,
                    "grandparent_title": item.grandparent_title,
                    "year": item.year,
                    "parent_rating_key": item.parent_rating_key,
                    "grandparent_rating_key": item.grandparent_rating_key,
                    "thumb": item.thumb,
                    "removed_at": item.removed_at,
                },
                "plays": getattr(item, "plays", 0) or 0,
                "users": getattr(item, "users", 0) or 0,
                "user_names": names.get((item.server_id, item.rating_key), []),
                "watch_time": getattr(item, "watch_time", 0) or 0,
                "last_watched": from_epoch(getattr(item, "last_watched", None)),
            }
        )
    return rows


def audit_row(log: ActionLog) -> dict:
    """An :class:`ActionLog` as an :class:`AuditOut` dict (``actor`` selected)."""
    return {
        "id": log.pk,
        "created_at": log.created_at,
        "finished_at": log.finished_at,
        "actor": log.actor.get_username() if log.actor_id else None,
        "actor_label": log.actor_label,
        "rule_set_id": log.rule_set_id,
        "rule_set_name": log.rule_set_name,
        "candidate_id": log.candidate_id,
        "server_id": log.server_id,
        "rating_key": log.rating_key,
        "media_type": log.media_type,
        "title": log.title,
        "action": log.action,
        "dry_run": log.dry_run,
        "target": log.target,
        "files": log.files or [],
        "size": log.size,
        "trace": log.trace or [],
        "requests": log.requests or [],
        "status": log.status,
        "result": log.result,
    }


def _candidates_page_query():
    return Candidate.objects.select_related("rule_set", "item", "item__server")


@router.get(
    "/rule-sets",
    response={200: list[RuleSetOut], **error_responses()},
    summary="List rule sets with their candidates and reclaimable bytes",
)
def list_rule_sets(request):
    """Every rule set (by name) with its open candidates counted (pending, postponed, failed),
    the candidates per status, and the bytes the open ones would free."""
    return rule_set_rows()


@router.get(
    "/candidates",
    response={200: CandidatePageOut, **error_responses()},
    summary="List deletion candidates with their traces",
)
def list_candidates(request, filters: Query[CandidateFilters], page: Query[PageParams]):
    """Deletion candidates, filtered (rule set, status, server, section, media type, due
    before), sorted (`due_at` by default; `-size` biggest first) and paged with
    `offset`/`limit`; `count` is the number matching. Each has its item, trace (why it
    matched) and the item's plays, users, watch time and last watched."""
    queryset = filtered_candidates(filters)
    count = queryset.count()
    page_rows = list(
        queryset.select_related("rule_set", "item", "item__server")[
            page.offset : page.offset + page.limit
        ]
    )
    return {"count": count, "items": candidate_rows(page_rows)}


@router.get(
    "/candidates/{candidate_id}",
    response={200: CandidateOut, **error_responses(404)},
    summary="Get a deletion candidate",
)
def get_candidate(request, candidate_id: int):
    """One candidate with its trace and watch statistics; 404 when unknown."""
    candidate = get_object_or_404(_candidates_page_query(), pk=candidate_id)
    return candidate_rows([candidate])[0]


@router.get(
    "/actions",
    response={200: AuditPageOut, **error_responses()},
    summary="List the audit of actions on candidates",
)
def list_actions(request, filters: Query[AuditFilters], page: Query[PageParams]):
    """The audit, newest first: every action on a candidate (delete, unmonitor, keep,
    postpone…), real or dry-run, with who, what (item, files, bytes), the rule set, trace,
    requests sent and result. Filtered by rule set, candidate, server, rating key, action,
    status, dry run, time; paged with `offset`/`limit`."""
    queryset = ActionLog.objects.all()
    for name, lookup in (
        ("rule_set", "rule_set_id"),
        ("candidate", "candidate_id"),
        ("server", "server_id"),
        ("rating_key", "rating_key"),
        ("action", "action"),
        ("status", "status"),
        ("dry_run", "dry_run"),
        ("after", "created_at__gte"),
        ("before", "created_at__lt"),
    ):
        value = getattr(filters, name)
        if value is not None and value != "":
            queryset = queryset.filter(**{lookup: value})
    count = queryset.count()
    rows = queryset.select_related("actor").order_by("-created_at", "-id")[
        page.offset : page.offset + page.limit
    ]
    return {"count": count, "items": [audit_row(log) for log in rows]}


# --- actions ----------------------------------------------------------------------------------
def _actor(request):
    """The admin user acting (session), None with the API key. A session user needs the
    ``housekeeping.act_on_candidates`` permission (403 otherwise)."""
    if has_api_key(request):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("housekeeping.act_on_candidates"):
        raise HttpError(403, "Acting on deletion candidates needs its permission.")
    return user


def _label(actor) -> str:
    return API_ACTOR if actor is None else f"{API_ACTOR}: {actor.get_username()}"


def _open_candidate(candidate_id: int) -> Candidate:
    candidate = get_object_or_404(
        Candidate.objects.select_for_update().select_related("rule_set", "item"), pk=candidate_id
    )
    if candidate.status not in Candidate.OPEN:
        raise HttpError(409, f"The candidate is {candidate.status}, not open.")
    return candidate


def _result(candidate_id: int, log: ActionLog | None) -> dict:
    candidate = _candidates_page_query().get(pk=candidate_id)
    if log is None:
        log = ActionLog.objects.filter(candidate=candidate).order_by("-created_at", "-id").first()
    if log is not None:
        log = ActionLog.objects.select_related("actor").get(pk=log.pk)
    return {"candidate": candidate_rows([candidate])[0], "audit": audit_row(log) if log else None}


ACTION_RESPONSES = {200: ActionResultOut, **error_responses(403, 404, 409)}


@router.post(
    "/candidates/{candidate_id}/keep",
    response=ACTION_RESPONSES,
    summary="Keep a candidate's item for good",
)
def keep(request, candidate_id: int, body: KeepIn):
    """Exclude the item from this rule set (or every rule set with `all_rule_sets`; send `{}`
    for the defaults), for good:
    it is never a candidate again, nor are its children (a show's seasons and episodes). The
    candidate becomes "kept"; audited (action "keep"). 409 when it is not open (pending,
    postponed or failed)."""
    actor = _actor(request)
    with transaction.atomic():
        candidate = _open_candidate(candidate_id)
        (log,) = keep_candidates(
            Candidate.objects.filter(pk=candidate.pk),
            actor=actor,
            actor_label=_label(actor),
            every_rule_set=body.all_rule_sets,
            note=body.note,
        )
    return _result(candidate_id, log)


@router.post(
    "/candidates/{candidate_id}/postpone",
    response=ACTION_RESPONSES,
    summary="Postpone a candidate's action",
)
def postpone(request, candidate_id: int, body: PostponeIn):
    """Move the due date `days` days later (counted from the due date, or from now when it is
    past). The candidate becomes "postponed"; audited (action "postpone"). 409 when it is not
    open."""
    actor = _actor(request)
    with transaction.atomic():
        candidate = _open_candidate(candidate_id)
        (log,) = postpone_candidates(
            Candidate.objects.filter(pk=candidate.pk),
            body.days,
            actor=actor,
            actor_label=_label(actor),
        )
    return _result(candidate_id, log)


@router.post(
    "/candidates/{candidate_id}/act",
    response=ACTION_RESPONSES,
    summary="Act on a candidate now",
)
def act(request, candidate_id: int, body: ActIn):
    """Run the rule set's action on the candidate now (send `{}` for the defaults) (delete through Radarr/Sonarr or Plex,
    unmonitor…; a dry run when the rule set is in dry-run mode unless `dry_run` says
    otherwise), audited like every action (`actor_label` "api"). Answers the candidate and its
    audit row (status done, dry_run or failed). 409 when it is not open."""
    actor = _actor(request)
    with transaction.atomic():
        candidate = _open_candidate(candidate_id)
    try:
        log = act_on(candidate, actor=actor, actor_label=_label(actor), dry_run=body.dry_run)
    except ActionRefused as exc:  # another action claimed it meanwhile
        raise HttpError(409, str(exc)) from None
    return _result(candidate_id, log)
