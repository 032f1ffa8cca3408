"""/api/v2 commands of deletion candidates (issue 14; not Tautulli's: this project's own, in
Tautulli's style): ``get_deletion_candidates`` (a DataTables-style table) and
``get_rule_sets``. Times are epoch seconds (UTC), sizes bytes, as Tautulli's answers.
Bad input answers Tautulli's error envelope (:class:`core.tautulli_api.ApiError`).
"""

from __future__ import annotations

from django.db.models import F

from core.tautulli_api import ApiError, Params, api_command
from core.tautulli_api.datatables import (
    TableRequest,
    default_order,
    order_terms,
    search_q,
    table_response,
)
from core.timeutils import to_epoch

from .api import candidate_rows, rule_set_rows
from .models import Candidate, RuleSet

# Sortable columns → SQL expressions.
ORDER = {
    "id": F("pk"),
    "due_at": F("due_at"),
    "first_matched_at": F("first_matched_at"),
    "last_matched_at": F("last_matched_at"),
    "size": F("size"),
    "status": F("status"),
    "title": F("item__title"),
    "media_type": F("item__media_type"),
    "rule_set": F("rule_set__name"),
}
SEARCH_FIELDS = ("item__title", "item__parent_title", "item__grandparent_title")
STATUSES = {value for value, _ in Candidate.STATUSES}


def _table(params: Params) -> TableRequest:
    """The table request; ``order`` (``due_at`` or ``-due_at``) is accepted as a shorthand of
    ``order_column``/``order_dir``. Default: ``due_at`` ascending (soonest first)."""
    order = (params.str("order") or "").strip()
    if order:
        column = order.lstrip("-")
        if column not in ORDER:
            raise ApiError(
                f"Parameter order: unknown column {column!r}; one of: {', '.join(sorted(ORDER))}"
            )
        params = Params(
            {
                **params.without("order").as_dict(),
                "order_column": column,
                "order_dir": "desc" if order.startswith("-") else "asc",
            }
        )
    if not params.str_list("order_column") and not params.str_list("order_dir"):
        params = Params({**params.as_dict(), "order_dir": "asc"})
    return TableRequest.from_params(
        params, default_order=default_order(params, "due_at"), columns=set(ORDER)
    )


def _epoch_row(row: dict) -> dict:
    item = row.pop("item")
    trace = row.pop("trace")
    for name in (
        "first_matched_at",
        "last_matched_at",
        "due_at",
        "notified_due_at",
        "acted_at",
        "last_watched",
    ):
        row[name] = to_epoch(row[name])
    return {
        **row,
        "server_id": item["server_id"],
        "server_name": item["server_name"],
        "section_id": item["section_id"],
        "rating_key": item["rating_key"],
        "parent_rating_key": item["parent_rating_key"],
        "grandparent_rating_key": item["grandparent_rating_key"],
        "media_type": item["media_type"],
        "title": item["title"],
        "parent_title": item["parent_title"],
        "grandparent_title": item["grandparent_title"],
        "year": item["year"],
        "thumb": item["thumb"],
        "trace": trace,
    }


@api_command()
def get_deletion_candidates(request, params):
    """Get the deletion candidates table (this project's command).

    Optional parameters: rule_set_id (int): one rule set's candidates; status (str): "pending",
    "postponed", "kept", "excluded", "acting", "acted", "failed"; server_id (int);
    section_id (int); order (str): a column, "-" first for descending ("-size"), or
    order_column (str): "due_at" (default, ascending), "first_matched_at", "last_matched_at",
    "size", "status", "title", "media_type", "rule_set", "id" with order_dir (str): "asc" or
    "desc"; start (int): row to start from, 0; length (int): number of rows, 25;
    search (str): text in the title; json_data (str): a DataTables request instead.

    Returns: json: {"draw": 1, "recordsTotal": 12, "recordsFiltered": 3, "data": [{"id": 7,
    "rule_set_id": 1, "rule_set": "Old movies", "status": "pending",
    "first_matched_at": 1795305600, "last_matched_at": 1795305600, "due_at": 1797897600,
    "size": 4509715660, "reason": "", "notified_due_at": null, "acted_at": null, "plays": 0,
    "users": 0, "user_names": [], "watch_time": 0, "last_watched": null, "server_id": 1,
    "server_name": "Home", "section_id": 1, "rating_key": 1234, "parent_rating_key": null,
    "grandparent_rating_key": null, "media_type": "movie", "title": "Heat",
    "parent_title": "", "grandparent_title": "", "year": 1995,
    "thumb": "/library/metadata/1234/thumb/1", "trace": [{"section": 1, "join": "and",
    "field": "added_at", "operator": "more_than_days_ago", "value": 90, "actual": ...,
    "result": true}]}, ...]}

    ``recordsTotal`` counts the rule set's candidates (every candidate without rule_set_id),
    ``recordsFiltered`` those matching status, server, section and search. An unknown
    rule_set_id or status is an error.
    """
    rule_set_id = params.int("rule_set_id", minimum=1)
    status = (params.str("status") or "").strip().lower() or None
    if status is not None and status not in STATUSES:
        raise ApiError(f"Parameter status must be one of: {', '.join(sorted(STATUSES))}")
    server_id = params.int("server_id", minimum=1)
    section_id = params.int("section_id", minimum=0)
    table = _table(params)
    queryset = Candidate.objects.all()
    if rule_set_id is not None:
        if not RuleSet.objects.filter(pk=rule_set_id).exists():
            raise ApiError(f"No rule set with rule_set_id {rule_set_id}")
        queryset = queryset.filter(rule_set_id=rule_set_id)
    total = queryset.count()
    filtered_qs = queryset
    if status is not None:
        filtered_qs = filtered_qs.filter(status=status)
    if server_id is not None:
        filtered_qs = filtered_qs.filter(item__server_id=server_id)
    if section_id is not None:
        filtered_qs = filtered_qs.filter(item__section_id=section_id)
    if table.search:
        filtered_qs = filtered_qs.filter(search_q(table.search, SEARCH_FIELDS))
    filtered = total if filtered_qs is queryset else filtered_qs.count()
    page = list(
        filtered_qs.select_related("rule_set", "item", "item__server").order_by(
            *order_terms(table.order, ORDER), "id"
        )[table.start : table.start + table.length]
    )
    rows = [_epoch_row(row) for row in candidate_rows(page)]
    return table_response(table, total=total, filtered=filtered, rows=rows)


@api_command()
def get_rule_sets(request, params):
    """Get the deletion rule sets (this project's command).

    Optional parameters: rule_set_id (int): only this one (an unknown id is an error).

    Returns: json: [{"id": 1, "name": "Old movies", "description": "", "scope": "movie",
    "is_active": true, "dry_run": true, "action": "delete", "grace_days": 30,
    "schedule": "0 3 * * *", "library_ids": [1], "last_run_at": 1795305600,
    "candidate_count": 3, "status_counts": {"pending": 2, "kept": 1},
    "reclaimable_bytes": 9019431320, "next_due_at": 1797897600}, ...]

    ``candidate_count`` and ``reclaimable_bytes`` (bytes) count the open candidates (pending,
    postponed, failed); times are epoch seconds.
    """
    rule_set_id = params.int("rule_set_id", minimum=1)
    queryset = RuleSet.objects.all()
    if rule_set_id is not None:
        queryset = queryset.filter(pk=rule_set_id)
        if not queryset.exists():
            raise ApiError(f"No rule set with rule_set_id {rule_set_id}")
    rows = rule_set_rows(queryset)
    for row in rows:
        row["last_run_at"] = to_epoch(row["last_run_at"])
        row["next_due_at"] = to_epoch(row["next_due_at"])
    return rows
