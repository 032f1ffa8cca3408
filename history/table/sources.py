"""The sources of get_history rows, each able to sort, count, sum and fetch its part of a page.

* :class:`GroupSource` — plays read from :class:`~history.models.HistoryGroup` (one indexed row
  per play): every play that the filters keep or drop whole.
* :class:`RowSource` — plays (or, without grouping, single rows) computed from History rows:
  Tautulli's own semantics, filters applied to the rows before they are grouped. It is used for
  the few plays that a filter cuts in two (``candidates``, see :func:`split_plays`) or, without
  ``candidates``, for everything (the reference computation, and ``grouping=0``).
* :class:`SessionSource` — live sessions (Tautulli's UNION with ``sessions``).

A page is one SQL ``UNION ALL`` of the sources' :meth:`page_queryset` (kind, key, sort values),
ordered and sliced in SQL: unfiltered, PostgreSQL merges the sorted branches, so the first page
reads 25 entries of an index and ``start=500000`` walks that one index. Then each source fetches
its rows of the page (:meth:`fetch`), as dicts that :mod:`history.table.serialize` turns into
Tautulli's rows.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import In

from core.tautulli_api.datatables import sort_term
from servers.models import Session
from users.models import User

from .. import search_index
from ..grouping import mixed_groups
from ..models import History, HistoryGroup, HistoryGroupUserTotal
from .expressions import EpochSeconds, EpochToDateTime, display_name, nocase, percent_ratio
from .filters import HistoryFilters, session_media_type_live
from .serialize import SESSION_COPIED_KEYS

KIND_GROUP, KIND_ROWS, KIND_SESSION = 0, 1, 2

ORDER_COLUMNS = frozenset(
    {
        "date",
        "friendly_name",
        "ip_address",
        "platform",
        "product",
        "player",
        "full_title",
        "started",
        "paused_counter",
        "stopped",
        "duration",
    }
)
# Sorted as Tautulli's COLLATE NOCASE text, NULLs first ascending (SQLite's NULL order).
TEXT_COLUMNS = frozenset(
    {"friendly_name", "ip_address", "platform", "product", "player", "full_title"}
)
# The only nullable numeric sort column; the others are never NULL, and PostgreSQL's index
# order (NULLS FIRST descending) is kept for them so the merge can read the index.
NULLABLE_COLUMNS = TEXT_COLUMNS | {"stopped"}

# Fields of a History row that a get_history row shows (see serialize.history_row).
ROW_FIELDS = (
    "id",
    "reference_id",
    "user_id",
    "username",
    "ip_address",
    "platform",
    "product",
    "player",
    "machine_id",
    "location",
    "secure",
    "relayed",
    "media_type",
    "view_offset",
    "user__friendly_name",
    "user__username",
    "user__thumb",
    "user__custom_avatar_url",
    "metadata__rating_key",
    "metadata__parent_rating_key",
    "metadata__grandparent_rating_key",
    "metadata__full_title",
    "metadata__title",
    "metadata__parent_title",
    "metadata__grandparent_title",
    "metadata__original_title",
    "metadata__year",
    "metadata__media_index",
    "metadata__parent_media_index",
    "metadata__thumb",
    "metadata__parent_thumb",
    "metadata__grandparent_thumb",
    "metadata__live",
    "metadata__originally_available_at",
    "metadata__guid",
    "metadata__duration",
    "metadata__marker_credits_first",
    "metadata__marker_credits_final",
    "media_info__transcode_decision",
)

# Fields of a Session that a get_history row shows (see serialize.session_row).
SESSION_FIELDS = (
    *SESSION_COPIED_KEYS,
    "id",
    "paused_counter",
    "view_offset",
    "duration",
    "friendly_name",
    "platform",
    "thumb",
    "parent_thumb",
    "grandparent_thumb",
)

Order = list[tuple[str, bool]]  # (column, descending)

# Up to this many plays cut by the filters are passed to the rows' query as a list of keys.
SPLIT_KEYS_INLINE = 20_000


def order_by_terms(order: Order) -> list:
    """ORDER BY of a page: the sort values s0, s1… then the key, in the first term's direction."""
    terms = []
    for index, (column, descending) in enumerate(order):
        expression = F(f"s{index}")
        if column in NULLABLE_COLUMNS:
            terms.append(sort_term(expression, descending))
        else:
            terms.append(expression.desc() if descending else expression.asc())
    key = F("key")
    terms.append(key.desc() if order[0][1] else key.asc())
    return terms


def search_users(search: str):
    """Subquery of the user_ids whose friendly name (Tautulli's CASE) contains ``search``."""
    return (
        User.objects.annotate(shown_name=display_name("friendly_name", "username"))
        .filter(shown_name__icontains=search, user_id__isnull=False)
        .values("user_id")
    )


def _page_values(queryset, kind: int, key, sorts: list):
    values = {"kind": Value(kind), "key": key}
    values.update({f"s{index}": expression for index, expression in enumerate(sorts)})
    return queryset.order_by().values(**values)


def play_key():
    """A History row's play: ``COALESCE(reference_id, id)`` (bigint)."""
    return Coalesce("reference_id", "id", output_field=BigIntegerField())


def _rows_search_q(search: str) -> Q:
    """Tautulli's search on History rows: LIKE %search% on the shown columns (reference 1.1)."""
    return (
        Q(ip_address__icontains=search)
        | Q(platform__icontains=search)
        | Q(product__icontains=search)
        | Q(player__icontains=search)
        | Q(metadata__full_title__icontains=search)
        | Q(user_id__in=search_users(search))
    )


def _search_text_q(search: str, *, plays: int = 0) -> tuple[Q, int | None]:
    """Plays whose search_text contains ``search`` (Tautulli's LIKE %search%, reference 1.1),
    and how many there are when that was counted (else None).

    SQLite answers searches of 3+ characters from the trigram FTS5 index
    (:mod:`history.search_index`), which matches exactly what its LIKE matches, in the way that
    suits the number of matches among ``plays`` (:func:`~history.search_index.match_strategy`);
    shorter ones read every play. PostgreSQL's trigram index answers the LIKE itself.
    """
    phrase = search_index.match_phrase(search)
    if phrase is None or not search_index.available(connection):
        return Q(search_text__icontains=search), None
    matches = search_index.match_count(connection, phrase)
    strategy = search_index.match_strategy(matches, plays)
    if strategy == "probe":
        probe = Func(
            F("reference_id"),
            Value(phrase),
            template=search_index.probe_sql(),
            arg_joiner=search_index.PROBE_JOINER,
            output_field=BooleanField(),
        )
        return Q(probe), matches
    keys = RawSQL(search_index.matching_keys_sql(), [phrase])
    if strategy == "walk":
        # ``+key``: not the primary key's index, so the date order's index is walked instead.
        walked = Func(
            F("reference_id"), template="+%(expressions)s", output_field=BigIntegerField()
        )
        return Q(In(walked, keys)), matches
    return Q(reference_id__in=keys), matches


def _key_q(keys) -> Q:
    """History rows of the plays ``keys`` (group key = COALESCE(reference_id, id))."""
    keys = list(keys)
    return Q(reference_id__in=keys) | Q(reference_id__isnull=True, id__in=keys)


def _group_ids(rows, keys) -> dict[int, str]:
    """play key → "id1,id2" (ascending) over ``rows`` (a History queryset) of ``keys``."""
    ids = defaultdict(list)
    pairs = (
        rows.filter(_key_q(keys))
        .annotate(group_key=play_key())
        .order_by("id")
        .values_list("group_key", "id")
    )
    for key, row_id in pairs:
        ids[key].append(str(row_id))
    return {key: ",".join(values) for key, values in ids.items()}


class GroupSource:
    """Plays from the groups table: those the filters keep whole (see HistoryFilters.groups_q)."""

    kind = KIND_GROUP

    def __init__(self, filters: HistoryFilters, search: str, *, total_groups: int):
        self.search_count = None
        self.filters = filters
        self.search = search
        self.total_groups = total_groups
        queryset = HistoryGroup.objects.filter(filters.groups_q())
        mask = filters.mixed_mask()
        if mask:
            queryset = queryset.exclude(reference_id__in=mixed_groups(mask))
        self.unsearched = queryset
        if search:
            # The user ids as a list, so that PostgreSQL can OR two index scans (the trigram
            # index on search_text and the user index) instead of reading every play.
            user_ids = list(search_users(search).values_list("user_id", flat=True))
            text_q, matches = _search_text_q(search, plays=total_groups)
            queryset = queryset.filter(text_q | Q(user_id__in=user_ids))
            if matches is not None and not user_ids and filters.is_empty():
                self.search_count = matches  # every play matching the text, nothing else
        self.queryset = queryset
        self._totals = None

    @staticmethod
    def _sorts() -> dict:
        """Sort values of a play; text ones are the latest row's (Tautulli's bare columns)."""
        return {
            "date": F("date"),
            "started": F("started"),
            "stopped": F("stopped"),
            "duration": F("play_duration"),
            "paused_counter": F("paused_counter"),
            "friendly_name": nocase(
                display_name("latest__user__friendly_name", "latest__user__username")
            ),
            "ip_address": nocase(F("latest__ip_address")),
            "platform": nocase(F("latest__platform")),
            "product": nocase(F("latest__product")),
            "player": nocase(F("latest__player")),
            "full_title": nocase(F("latest__metadata__full_title")),
        }

    def page_queryset(self, order: Order):
        sorts = self._sorts()
        return _page_values(
            self.queryset, self.kind, F("reference_id"), [sorts[column] for column, _ in order]
        )

    def count(self) -> int:
        if self.filters.is_empty() and not self.search:
            return self.total_groups
        if not self.search:
            return self._unsearched_totals()[0]
        if self.search_count is not None:
            return self.search_count
        return self.queryset.count()

    def duration(self) -> int:
        """Σ seconds of the plays' rows, ignoring the search (Tautulli's total_duration)."""
        return self._unsearched_totals()[1]

    def _unsearched_totals(self) -> tuple[int, int]:
        if self._totals is None:
            if self.filters.only_user_ids():
                # Kept per user by history.grouping: the plays of one user, not MIXED_USER.
                totals = HistoryGroupUserTotal.objects.filter(
                    user_id__in=self.filters.user_ids
                ).aggregate(plays=Sum("groups"), seconds=Sum("play_duration"))
            else:
                totals = self.unsearched.aggregate(plays=Count("pk"), seconds=Sum("play_duration"))
            self._totals = (totals["plays"] or 0, totals["seconds"] or 0)
        return self._totals

    def fetch(self, keys) -> dict[int, tuple[dict, dict, str]]:
        """key → (aggregates, latest row fields, group_ids) for the page's plays."""
        latest_fields = {f"row_{name}": F(f"latest__{name}") for name in ROW_FIELDS}
        groups = HistoryGroup.objects.filter(reference_id__in=keys).values(
            "reference_id",
            "date",
            "started",
            "stopped",
            "play_duration",
            "paused_counter",
            "group_count",
            "percent_complete",
            **latest_fields,
        )
        group_ids = _group_ids(History.objects.all(), keys)
        result = {}
        for group in groups:
            row = {name: group[f"row_{name}"] for name in ROW_FIELDS}
            key = group["reference_id"]
            result[key] = (group, row, group_ids.get(key, ""))
        return result


def split_plays(filters: HistoryFilters) -> Q | None:
    """History rows of the plays that the filters may cut in two, or None if there are none.

    Those are the plays mixed in a filtered column and the plays with rows on both sides of a
    date boundary; :class:`GroupSource` leaves them out and a :class:`RowSource` computes them.
    Their keys are read first when they are few (the usual case), so that the database plans
    the rows' query for a handful of plays rather than guess.
    """
    queries = []
    mask = filters.mixed_mask()
    if mask:
        queries.append(mixed_groups(mask))
    straddle = filters.straddle_q()
    if straddle is not None:
        queries.append(HistoryGroup.objects.filter(straddle).values("reference_id"))
    if not queries:
        return None
    keys = set()
    for query in queries:
        keys.update(query.values_list("reference_id", flat=True))
    if len(keys) > SPLIT_KEYS_INLINE:
        return reduce(or_, (Q(reference_id__in=query) for query in queries))
    return Q(reference_id__in=sorted(keys))


class RowSource:
    """Plays computed from History rows that pass the filters (Tautulli's GROUP BY semantics).

    ``grouped``: one row per play, else one per History row. A play's values are aggregated over
    its passing rows; its shown fields (and what the search and the text orders look at) come
    from its latest passing row. ``candidates``: a Q restricting the rows to some plays (None =
    all rows). ``total_rows``: number of History rows, for the unfiltered ungrouped count.
    """

    kind = KIND_ROWS

    def __init__(
        self,
        filters: HistoryFilters,
        search: str,
        *,
        grouped: bool,
        candidates: Q | None = None,
        total_rows: int = 0,
    ):
        self.filters = filters
        self.search = search
        self.grouped = grouped
        self.total_rows = total_rows
        self._cached_totals = None
        self.rows_q = filters.rows_q()
        rows = History.objects.filter(self.rows_q)
        self.unrestricted = candidates is None
        if candidates is not None:
            rows = rows.filter(candidates)
        self.rows = rows
        search_q = _rows_search_q(search) if search else None
        if grouped:
            plays = (
                rows.annotate(play_key=play_key())
                .values("play_key")
                .annotate(
                    latest_id=Max("id"),
                    play_date=EpochSeconds(Max("started")),
                    play_started=EpochSeconds(Min("started")),
                    play_stopped=EpochSeconds(Max("stopped")),
                    play_seconds=Cast(Sum("play_duration"), BigIntegerField()),
                    play_paused=Cast(Sum("paused_counter"), BigIntegerField()),
                )
            )
            if search_q is not None:
                plays = plays.filter(latest_id__in=rows.filter(search_q).values("id"))
            self.plays = plays
            # The latest passing row of each play (for orders on its text fields).
            self.shown = History.objects.filter(id__in=plays.values("latest_id"))
        else:
            self.shown = rows.filter(search_q) if search_q is not None else rows

    def _group_aggregate(self, aggregate):
        """Subquery: ``aggregate`` over the passing rows of the outer row's play."""
        return Subquery(
            History.objects.filter(self.rows_q, reference_id=OuterRef("reference_id"))
            .order_by()
            .values("reference_id")
            .annotate(value=aggregate)
            .values("value")[:1]
        )

    def _row_sorts(self) -> dict:
        """Sort values on History rows (the shown row of a play, or each row)."""
        text = {
            "friendly_name": nocase(display_name("user__friendly_name", "user__username")),
            "ip_address": nocase(F("ip_address")),
            "platform": nocase(F("platform")),
            "product": nocase(F("product")),
            "player": nocase(F("player")),
            "full_title": nocase(F("metadata__full_title")),
        }
        if not self.grouped:
            return {
                **text,
                "date": F("started"),
                "started": F("started"),
                "stopped": F("stopped"),
                "duration": Cast("play_duration", BigIntegerField()),
                "paused_counter": Cast("paused_counter", BigIntegerField()),
            }

        def per_play(aggregate, own):
            return Cast(Coalesce(self._group_aggregate(aggregate), own), BigIntegerField())

        return {
            **text,
            "date": per_play(EpochSeconds(Max("started")), EpochSeconds("started")),
            "started": per_play(EpochSeconds(Min("started")), EpochSeconds("started")),
            "stopped": per_play(EpochSeconds(Max("stopped")), EpochSeconds("stopped")),
            "duration": per_play(Sum("play_duration"), F("play_duration")),
            "paused_counter": per_play(Sum("paused_counter"), F("paused_counter")),
        }

    PLAY_SORTS = {
        "date": "play_date",
        "started": "play_started",
        "stopped": "play_stopped",
        "duration": "play_seconds",
        "paused_counter": "play_paused",
    }

    def page_queryset(self, order: Order):
        columns = [column for column, _ in order]
        if self.grouped and all(column in self.PLAY_SORTS for column in columns):
            # Numeric orders straight from the GROUP BY.
            sorts = [F(self.PLAY_SORTS[column]) for column in columns]
            return _page_values(self.plays, self.kind, F("play_key"), sorts)
        sorts = self._row_sorts()
        key = play_key() if self.grouped else F("id")
        return _page_values(self.shown, self.kind, key, [sorts[column] for column in columns])

    def count(self) -> int:
        if not self.grouped and self.unrestricted and self.filters.is_empty() and not self.search:
            return self.total_rows
        if not self.search:
            return self._totals()[0]
        return self.plays.count() if self.grouped else self.shown.count()

    def duration(self) -> int:
        """Σ seconds of the passing rows (no search: Tautulli's total_duration)."""
        return self._totals()[1]

    def _totals(self) -> tuple[int, int]:
        """(plays or rows, seconds) of the passing rows, in one scan."""
        if self._cached_totals is None:
            counted = Count(play_key(), distinct=True) if self.grouped else Count("id")
            totals = self.rows.aggregate(plays=counted, seconds=Sum("play_duration"))
            self._cached_totals = (totals["plays"], totals["seconds"] or 0)
        return self._cached_totals

    def fetch(self, keys) -> dict[int, tuple[dict, dict, str]]:
        """key → (aggregates over the passing rows, latest passing row, group_ids)."""
        keys = list(keys)
        rows = History.objects.filter(self.rows_q)
        if self.grouped:
            selected = rows.filter(_key_q(keys)).annotate(group_key=play_key())
        else:
            selected = rows.filter(id__in=keys).annotate(group_key=F("id"))
        aggregates = selected.values("group_key").annotate(
            latest_id=Max("id"),
            play_date=EpochSeconds(Max("started")),
            play_started=EpochSeconds(Min("started")),
            play_stopped=EpochSeconds(Max("stopped")),
            play_seconds=Sum("play_duration"),
            play_paused=Sum("paused_counter"),
            play_rows=Count("id"),
            play_percent=Max(percent_ratio("view_offset", "metadata__duration")),
        )
        groups = {
            item["group_key"]: {
                "latest_id": item["latest_id"],
                "date": item["play_date"],
                "started": item["play_started"],
                "stopped": item["play_stopped"],
                "play_duration": item["play_seconds"] or 0,
                "paused_counter": item["play_paused"] or 0,
                "group_count": item["play_rows"],
                "percent_complete": item["play_percent"],
            }
            for item in aggregates
        }
        latest = {
            row["id"]: row
            for row in History.objects.filter(
                id__in=[group["latest_id"] for group in groups.values()]
            ).values(*ROW_FIELDS)
        }
        if self.grouped:
            group_ids = _group_ids(rows, keys)
        else:
            group_ids = {key: str(key) for key in keys}
        return {
            key: (group, latest[group["latest_id"]], group_ids.get(key, ""))
            for key, group in groups.items()
        }


class SessionSource:
    """Live sessions, filtered like history and sorted with it (Tautulli's include_activity).

    ``grouped`` decides the type of the time sort values (epoch seconds like the groups table,
    or datetimes like History rows). ``now``: epoch seconds for sessions without ``stopped``.
    """

    kind = KIND_SESSION

    def __init__(self, filters: HistoryFilters, search: str, *, grouped: bool, now: int):
        self.grouped = grouped
        self.now = now
        queryset = (
            Session.objects.confirmed()
            .annotate(
                media_type_live=session_media_type_live(),
                shown_name=display_name("friendly_name", "user"),
            )
            .filter(filters.sessions_q())
        )
        if search:
            queryset = queryset.filter(
                Q(shown_name__icontains=search)
                | Q(ip_address__icontains=search)
                | Q(platform__icontains=search)
                | Q(product__icontains=search)
                | Q(player__icontains=search)
                | Q(full_title__icontains=search)
            )
        self.queryset = queryset

    def _time(self, column: str):
        if self.grouped:
            return Cast(column, BigIntegerField())
        return Cast(EpochToDateTime(column), DateTimeField())

    def _sorts(self) -> dict:
        played = Case(
            When(stopped__gt=0, then=F("stopped") - F("started")),
            default=Value(self.now) - F("started"),
        )
        return {
            "date": self._time("started"),
            "started": self._time("started"),
            "stopped": self._time("stopped"),
            "duration": Cast(played - Coalesce("paused_counter", 0), BigIntegerField()),
            "paused_counter": Cast(Coalesce("paused_counter", 0), BigIntegerField()),
            "friendly_name": nocase(Cast("shown_name", TextField())),
            "ip_address": nocase(F("ip_address")),
            "platform": nocase(F("platform")),
            "product": nocase(F("product")),
            "player": nocase(F("player")),
            "full_title": nocase(F("full_title")),
        }

    def page_queryset(self, order: Order):
        sorts = self._sorts()
        return _page_values(
            self.queryset, self.kind, Cast("id", BigIntegerField()), [sorts[c] for c, _ in order]
        )

    def count(self) -> int:
        return self.queryset.count()

    def fetch(self, keys) -> dict[int, dict]:
        """session id → (Session values, {user_id: (custom_avatar_url, thumb)})."""
        sessions = list(Session.objects.filter(pk__in=list(keys)).values(*SESSION_FIELDS))
        users = User.objects.filter(user_id__in={s["user_id"] for s in sessions}).values_list(
            "user_id", "custom_avatar_url", "thumb"
        )
        thumbs = {user_id: (custom, thumb) for user_id, custom, thumb in users}
        return {session["id"]: (session, thumbs) for session in sessions}
