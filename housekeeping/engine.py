"""A rule set becomes one query; its matches become deletion candidates (issue 14).

:func:`matching_items` builds the query: the rule set's libraries' present items of its scope,
minus exclusions (an excluded show excludes its seasons and episodes), annotated with their watch
statistics (:func:`stats.inventory.items_with_stats`) and one annotation per condition (the
field's value, ``hk_<n>``, and whether it holds, ``hk_<n>_ok``), filtered by the conditions
combined as Maintainerr combines them: left to right within a section, then the sections left to
right, each joined by the first condition's AND / OR.

:func:`evaluate` writes the result: new :class:`~housekeeping.models.Candidate` rows (due after
the grace period, shortened under disk pressure), traces refreshed, candidates that stopped
matching removed. It refuses to run (:class:`EvaluationError`, nothing changed) when a rule
reads a service whose last listing failed: a failed lookup never counts as "gone".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Sum

from core.clock import now as clock_now
from core.db import analyze, insert_objects
from core.housekeeping_events import candidates_added
from libraries.models import LibraryMedia
from stats.inventory import items_with_stats

from .fields import COUNT_OPERATORS, FIELDS, operator_label, tag_count
from .fields import condition_q as field_condition_q
from .models import Candidate, Exclusion, MediaService, Rule, RuleSet
from .pressure import effective_grace_days

logger = logging.getLogger(__name__)

# A rule set's scope → the inventory's media types it covers.
SCOPE_TYPES = {
    RuleSet.SCOPE_MOVIE: ("movie",),
    RuleSet.SCOPE_SHOW: ("show",),
    RuleSet.SCOPE_SEASON: ("season",),
    RuleSet.SCOPE_EPISODE: ("episode",),
    RuleSet.SCOPE_ARTIST: ("artist",),
    RuleSet.SCOPE_ALBUM: ("album",),
}
BATCH = 2000


class EvaluationError(Exception):
    """The rule set cannot be evaluated now (one readable line); nothing was changed."""


@dataclass(frozen=True)
class RuleSpec:
    """One condition, saved (:class:`Rule`) or not (the admin's live preview)."""

    section: int
    position: int
    join: str
    field: str
    operator: str
    value: object = None
    user_ids: tuple[int, ...] = ()

    @classmethod
    def from_rule(cls, rule: Rule) -> RuleSpec:
        return cls(
            section=rule.section,
            position=rule.position,
            join=rule.join,
            field=rule.field,
            operator=rule.operator,
            value=rule.value,
            user_ids=tuple(sorted(user.user_id for user in rule.users.all())),
        )


@dataclass
class EvaluationResult:
    """What :func:`evaluate` did: ``matched`` items, ``added`` ids of new candidates, ``kept`` (open
    candidates still matching), ``removed`` (open candidates that stopped matching), ``size``
    bytes of every open candidate, ``grace_days`` applied to the new ones."""

    matched: int = 0
    added: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    removed: int = 0
    size: int = 0
    grace_days: int = 0


@dataclass(frozen=True)
class ItemTest:
    """One item against a rule set: whether it matches and each condition's trace
    (:func:`trace_of`), plus the reasons it is out of the rule set's reach (``notes``)."""

    matched: bool
    trace: list
    notes: list


@dataclass(frozen=True)
class Preview:
    """What a rule set would name now: ``count`` items, ``size`` bytes, a ``sample`` of them."""

    count: int
    size: int
    sample: list


def rule_specs(rule_set: RuleSet) -> list[RuleSpec]:
    return [
        RuleSpec.from_rule(rule)
        for rule in rule_set.rules.prefetch_related("users").order_by("section", "position", "id")
    ]


def scoped_items(rule_set: RuleSet, *, libraries=None):
    """The present items of the rule set's libraries and scope, exclusions left out."""
    libraries = list(rule_set.libraries.all()) if libraries is None else list(libraries)
    in_libraries = Q(pk__in=[])
    for library in libraries:
        in_libraries |= Q(server_id=library.server_id, section_id=library.section_id)
    items = LibraryMedia.objects.present().filter(
        in_libraries, media_type__in=SCOPE_TYPES[rule_set.scope]
    )
    return items.exclude(_excluded(rule_set))


def _excluded(rule_set: RuleSet) -> Q:
    exclusions = Exclusion.objects.filter(
        Q(rule_set__isnull=True) | Q(rule_set_id=rule_set.pk), server_id=OuterRef("server_id")
    ).filter(
        Q(rating_key=OuterRef("rating_key"))
        | Q(rating_key=OuterRef("parent_rating_key"))
        | Q(rating_key=OuterRef("grandparent_rating_key"))
    )
    return Q(Exists(exclusions))


def annotate_conditions(queryset, specs: list[RuleSpec], scope: str, now: dt.datetime):
    """``queryset`` (annotated by ``items_with_stats``) with ``hk_<n>`` (the value of condition
    n) and ``hk_<n>_ok`` (whether it holds: True/False, None read as False), and the combined
    ``Q`` of the conditions (None when there are none)."""
    combined = None
    section_q = None
    section_join = None
    current_section = None
    for n, spec in enumerate(specs):
        field_spec = FIELDS[spec.field]
        name = f"hk_{n}"
        queryset = queryset.annotate(**{name: field_spec.expression(scope, list(spec.user_ids))})
        if spec.operator in COUNT_OPERATORS:
            queryset = queryset.annotate(**{f"{name}_count": tag_count(name)})
        q = field_condition_q(
            name, field_spec, spec.operator, spec.value, now=now, user_count=len(spec.user_ids)
        )
        queryset = queryset.annotate(
            **{f"{name}_ok": ExpressionWrapper(q, output_field=BooleanField())}
        )
        if spec.section != current_section:
            if section_q is not None:
                combined = _join(combined, section_q, section_join)
            current_section, section_join, section_q = spec.section, spec.join, q
        else:
            section_q = _join(section_q, q, spec.join)
    if section_q is not None:
        combined = _join(combined, section_q, section_join)
    return queryset, combined


def _join(left, right, join):
    if left is None:
        return right
    return left | right if join == Rule.OR else left & right


def matching_items(rule_set: RuleSet, specs=None, *, now=None, libraries=None):
    """The rule set's matches as a queryset of annotated :class:`LibraryMedia` rows (see the
    module's docstring); no conditions → no match (a rule set without rules names nothing)."""
    now = now or clock_now()
    specs = rule_specs(rule_set) if specs is None else specs
    queryset = items_with_stats(scoped_items(rule_set, libraries=libraries))
    queryset, combined = annotate_conditions(queryset, specs, rule_set.scope, now)
    if combined is None:
        return queryset.none()
    return queryset.filter(combined)


def trace_of(row: dict, specs: list[RuleSpec]) -> list[dict]:
    """Each condition of ``specs`` with the item's value: ``[{"section", "join", "field",
    "label", "operator", "value", "actual", "result"}]``; ``actual`` in the field's unit (dates
    as ISO strings in UTC, sizes in GB, lists as lists)."""
    trace = []
    for n, spec in enumerate(specs):
        field_spec = FIELDS[spec.field]
        actual = row.get(f"hk_{n}")
        if spec.operator in COUNT_OPERATORS:
            actual = row.get(f"hk_{n}_count")
        trace.append(
            {
                "section": spec.section,
                "join": spec.join,
                "field": spec.field,
                "label": field_spec.label,
                "operator": operator_label(field_spec.kind, spec.operator),
                "value": spec.value,
                "users": list(spec.user_ids),
                "actual": _display(actual, field_spec),
                "result": bool(row.get(f"hk_{n}_ok")),
            }
        )
    return trace


def _display(value, spec):
    if value is None:
        return None
    if spec.kind == "date":
        if spec.epoch:
            value = dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat(timespec="seconds")
        return str(value)
    if spec.kind == "list" and isinstance(value, str):
        return [tag for tag in value.split("|") if tag]
    if isinstance(value, float):
        return round(value, 2)
    return value


def _value_names(specs):
    names = []
    for n, spec in enumerate(specs):
        names += [f"hk_{n}", f"hk_{n}_ok"]
        if spec.operator in COUNT_OPERATORS:
            names.append(f"hk_{n}_count")
    return names


def _check_services(specs: list[RuleSpec]) -> None:
    if not any(FIELDS[spec.field].external for spec in specs):
        return
    failed = MediaService.objects.filter(is_active=True).exclude(sync_error="")
    failed = [service.name for service in failed]
    if failed:
        raise EvaluationError(
            f"the last listing of {', '.join(failed)} failed: not evaluated, so that nothing "
            "looks gone because a service did not answer"
        )


def evaluate(rule_set: RuleSet, *, now=None) -> EvaluationResult:
    """Bring the rule set's candidates in line with what it matches now.

    New matches become pending candidates due ``grace`` days from ``now`` (the grace period,
    shortened by disk pressure: :func:`housekeeping.pressure.effective_grace_days`); open
    candidates (pending, postponed, failed) still matching get their trace and size refreshed,
    and a pending one's due date is brought forward when the grace shrank; open candidates that
    stopped matching are removed. Kept, excluded and acted candidates are left as they are.
    Sends :data:`core.housekeeping_events.candidates_added` on commit for the new ones.

    Raises :class:`EvaluationError` (nothing changed) when a rule reads a service whose last
    listing failed.
    """
    now = now or clock_now()
    specs = rule_specs(rule_set)
    _check_services(specs)
    grace = effective_grace_days(rule_set)
    result = EvaluationResult(grace_days=grace)
    rows = (
        matching_items(rule_set, specs, now=now)
        .order_by()
        .values("id", "total_file_size", *_value_names(specs))
    )
    with transaction.atomic():
        existing = {
            candidate.item_id: candidate
            for candidate in Candidate.objects.filter(rule_set=rule_set).only(
                "id", "item_id", "status", "size", "trace", "due_at", "first_matched_at"
            )
        }
        new, changed, matched_ids = [], [], set()
        for row in rows.iterator(chunk_size=BATCH):
            matched_ids.add(row["id"])
            trace = trace_of(row, specs)
            size = row["total_file_size"]
            candidate = existing.get(row["id"])
            if candidate is None:
                new.append(
                    Candidate(
                        rule_set=rule_set,
                        item_id=row["id"],
                        status=Candidate.PENDING,
                        first_matched_at=now,
                        last_matched_at=now,
                        due_at=now + dt.timedelta(days=grace),
                        size=size,
                        trace=trace,
                    )
                )
                continue
            if candidate.status not in Candidate.OPEN:
                continue
            due = candidate.first_matched_at + dt.timedelta(days=grace)
            earlier = candidate.status == Candidate.PENDING and due < candidate.due_at
            if candidate.trace != trace or candidate.size != size or earlier:
                candidate.trace, candidate.size = trace, size
                if earlier:
                    candidate.due_at = max(due, now)
                changed.append(candidate)
            result.kept.append(candidate)
        gone = [
            candidate.pk
            for item_id, candidate in existing.items()
            if item_id not in matched_ids and candidate.status in Candidate.OPEN
        ]
        for start in range(0, len(gone), BATCH):
            Candidate.objects.filter(pk__in=gone[start : start + BATCH]).delete()
        insert_objects(Candidate, new, batch_size=BATCH)
        Candidate.objects.bulk_update(changed, ["trace", "size", "due_at"], batch_size=BATCH)
        Candidate.objects.filter(rule_set=rule_set, status__in=Candidate.OPEN).update(
            last_matched_at=now
        )
        new_ids = []
        if new:  # their ids: this run's first matches
            new_ids = list(
                Candidate.objects.filter(rule_set=rule_set, first_matched_at=now).values_list(
                    "pk", flat=True
                )
            )
        rule_set_id = rule_set.pk
        if new_ids:
            transaction.on_commit(
                lambda: candidates_added.send(
                    sender=RuleSet, rule_set_id=rule_set_id, candidate_ids=new_ids
                )
            )
    if len(new) + len(gone) > BATCH:  # a big change: the planner's statistics follow it now
        analyze(Candidate)
    result.matched = len(matched_ids)
    result.added = new_ids
    result.removed = len(gone)
    result.size = (
        Candidate.objects.filter(rule_set=rule_set, status__in=Candidate.OPEN).aggregate(
            total=Sum("size")
        )["total"]
        or 0
    )
    return result


def test_item(rule_set: RuleSet, item: LibraryMedia, specs=None, *, now=None) -> ItemTest:
    """``item`` against the rule set's conditions, whatever its library or scope (Maintainerr's
    "test media"): the trace of every condition and whether the whole matches; ``notes`` say
    why the item would not be named even so (another library or type, an exclusion, removed
    from Plex)."""
    now = now or clock_now()
    specs = rule_specs(rule_set) if specs is None else specs
    notes = []
    if item.media_type not in SCOPE_TYPES[rule_set.scope]:
        notes.append(f"A {item.media_type}: this rule set is about {rule_set.get_scope_display()}.")
    if not rule_set.libraries.filter(server_id=item.server_id, section_id=item.section_id).exists():
        notes.append("Its library is not one of this rule set's.")
    if item.removed_at is not None:
        notes.append("No longer in Plex (removed at the last refresh).")
    if LibraryMedia.objects.filter(pk=item.pk).filter(_excluded(rule_set)).exists():
        notes.append("Kept: excluded from this rule set (itself or its show/season).")
    queryset = items_with_stats(LibraryMedia.objects.filter(pk=item.pk))
    queryset, combined = annotate_conditions(queryset, specs, item.media_type, now)
    row = queryset.values("id", *_value_names(specs)).first()
    matched = False
    if combined is not None and row is not None:
        matched = queryset.filter(combined).exists()
    trace = trace_of(row or {}, specs)
    return ItemTest(matched=matched and not notes, trace=trace, notes=notes)


test_item.__test__ = False  # not a pytest test when a test module imports it


def preview(rule_set: RuleSet, specs=None, *, libraries=None, now=None, sample=5) -> Preview:
    """What ``rule_set`` (with ``specs`` instead of its saved rules, and ``libraries`` instead
    of its own, when given: an unsaved edit) would name now: count, bytes, a sample of the
    largest. Nothing is written."""
    queryset = matching_items(rule_set, specs, now=now, libraries=libraries)
    totals = queryset.order_by().aggregate(size=Sum("total_file_size"))
    count = queryset.order_by().count()
    largest = list(queryset.order_by("-total_file_size", "id")[:sample])
    return Preview(count=count, size=totals["size"] or 0, sample=largest)
