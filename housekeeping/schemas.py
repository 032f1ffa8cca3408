"""The REST API's shapes for deletion candidates (:mod:`housekeeping.api`).

Units: datetimes ISO 8601 UTC; sizes bytes; ``watch_time`` seconds. No API key of a media
service ever appears in them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from core.rest_types import Int64, Text, UtcDateTime

from .models import ActionLog, Candidate

CandidateStatus = Literal[tuple(value for value, _ in Candidate.STATUSES)]
AuditStatus = Literal[tuple(value for value, _ in ActionLog.STATUSES)]
CANDIDATE_SORTS = ("due_at", "-due_at", "size", "-size", "first_matched_at", "-first_matched_at")
CandidateSort = Literal[CANDIDATE_SORTS]


class PageParams(Schema):
    """``?offset=0&limit=50`` (SQL OFFSET/LIMIT; ``count`` in the answer is the total)."""

    offset: int = Field(0, ge=0, le=1_000_000, description="Rows to skip (0 first).")
    limit: int = Field(50, ge=1, le=500, description="Rows per page (1-500, default 50).")


class RuleSetOut(Schema):
    """A rule set with its candidates counted and the bytes its open candidates would free."""

    id: int
    name: str
    description: str
    scope: str = Field(description="movie, show, season, episode, artist or album.")
    is_active: bool
    dry_run: bool = Field(description="true: actions are recorded, nothing is sent.")
    action: str = Field(description="delete, unmonitor_delete, unmonitor or nothing.")
    grace_days: int = Field(description="Days between becoming a candidate and the action.")
    schedule: str = Field(description="5-field cron of the rule run.")
    library_ids: list[int] = Field(description="Libraries (see /api/libraries).")
    last_run_at: dt.datetime | None
    candidate_count: int = Field(description="Open candidates: pending, postponed or failed.")
    status_counts: dict[str, int] = Field(description="Candidates per status (all statuses).")
    reclaimable_bytes: int = Field(description="Sum of the open candidates' sizes (bytes).")
    next_due_at: dt.datetime | None = Field(description="The earliest open candidate's due time.")


class CandidateFilters(Schema):
    """Filters of ``GET /api/housekeeping/candidates`` (optional, combined with AND)."""

    rule_set: Int64 | None = Field(None, description="Rule set id.")
    status: CandidateStatus | None = Field(None, description="Candidate status.")
    server: Int64 | None = Field(None, description="Server id (see /api/servers).")
    section_id: Int64 | None = Field(None, description="Plex library section id.")
    media_type: Text | None = Field(None, max_length=16, description="movie, show, season…")
    due_before: UtcDateTime | None = Field(None, description="Due before this time (UTC).")
    sort: CandidateSort = Field(
        "due_at", description="due_at, size or first_matched_at; a leading - sorts descending."
    )


class CandidateItemOut(Schema):
    """The library item a candidate names (:class:`libraries.models.LibraryMedia`)."""

    id: int = Field(description="Item id (see /api/libraries/items).")
    server_id: int
    server_name: str
    section_id: int
    rating_key: int
    media_type: str
    title: str
    parent_title: str
    grandparent_title: str
    year: int | None
    parent_rating_key: int | None
    grandparent_rating_key: int | None
    thumb: str = Field(description="PMS's image path.")
    removed_at: dt.datetime | None = Field(description="Found gone from Plex; null: present.")


class CandidateOut(Schema):
    """A deletion candidate with its trace and the item's watch statistics."""

    id: int
    rule_set_id: int
    rule_set: str = Field(description="The rule set's name.")
    status: CandidateStatus
    first_matched_at: dt.datetime
    last_matched_at: dt.datetime
    due_at: dt.datetime = Field(description="When the action is due (UTC).")
    size: int | None = Field(description="Bytes the action would free.")
    trace: list[dict[str, Any]] = Field(
        description="Each condition: section, join, field, label, operator, value, actual, result."
    )
    reason: str = Field(description="The last failure, one line.")
    notified_due_at: dt.datetime | None = Field(description="The due date last announced.")
    acted_at: dt.datetime | None
    item: CandidateItemOut
    plays: int = Field(description="Plays of the item (all users).")
    users: int = Field(description="Distinct users who watched it.")
    user_names: list[str]
    watch_time: int = Field(description="Seconds watched.")
    last_watched: dt.datetime | None


class CandidatePageOut(Schema):
    count: int = Field(description="Candidates matching the filters.")
    items: list[CandidateOut]


class AuditFilters(Schema):
    """Filters of ``GET /api/housekeeping/actions``."""

    rule_set: Int64 | None = Field(None, description="Rule set id.")
    candidate: Int64 | None = Field(None, description="Candidate id.")
    server: Int64 | None = Field(None, description="Server id.")
    rating_key: Int64 | None = Field(None, description="Item's rating key.")
    action: Text | None = Field(None, max_length=32, description="delete, keep, postpone…")
    status: AuditStatus | None = Field(None, description="started, done, dry_run or failed.")
    dry_run: bool | None = None
    after: UtcDateTime | None = Field(None, description="Created at or after (UTC).")
    before: UtcDateTime | None = Field(None, description="Created before (UTC).")


class AuditOut(Schema):
    """One audit row: who, what (item, files, bytes), which rule set and trace, the result."""

    id: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    actor: str | None = Field(description="The admin user's name, if any.")
    actor_label: str = Field(description='Who in words: "schedule", "api", "admin: alice".')
    rule_set_id: int | None
    rule_set_name: str
    candidate_id: int | None
    server_id: int | None
    rating_key: int | None
    media_type: str
    title: str
    action: str
    dry_run: bool
    target: str = Field(description="radarr:Name, sonarr:Name, plex…")
    files: list[Any]
    size: int | None = Field(description="bytes")
    trace: list[dict[str, Any]]
    requests: list[Any] = Field(description="What was sent (method, service, path; no key).")
    status: AuditStatus
    result: str


class AuditPageOut(Schema):
    count: int
    items: list[AuditOut]


class KeepIn(Schema):
    """``POST .../keep``: keep the item for good (an exclusion)."""

    all_rule_sets: bool = Field(
        False, description="true: exclude it from every rule set; false: from this one."
    )
    note: Text = Field("", max_length=1000)


class PostponeIn(Schema):
    """``POST .../postpone``: move the due date."""

    days: int = Field(..., ge=1, le=3650, description="Days to add to the due date (from now).")


class ActIn(Schema):
    """``POST .../act``: act now."""

    dry_run: bool | None = Field(
        None, description="Force a dry run (true) or a real action (false); null: the rule set's."
    )


class ActionResultOut(Schema):
    """A candidate after an action, with the audit row written for it."""

    candidate: CandidateOut
    audit: AuditOut | None
