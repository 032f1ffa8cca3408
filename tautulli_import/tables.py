"""Which Tautulli table goes into which model, column by column.

Each :class:`TableSpec` turns one source table into one model's rows. By default a model field
takes the source column of the same name (its ``db_column``), converted by the field's type
(``sql.py``); ``fields`` lists the exceptions (renamed columns, ids mapped through an
:class:`~.idmap.IdMap`, the server, computed values). A field whose column the source lacks
(an older Tautulli) gets the field's default. :meth:`TableSpec.plan` renders the SELECT that
yields rows in the model's column order, and records which source columns it read, so that the
importer can check that every source column lands somewhere (:func:`unread_columns`).

Every column lands somewhere, except on purpose: the row ids of the tables imported by natural
key (``users.id``, ``library_sections.id``, ``mobile_devices.id``, ``sessions_continued.id``),
which are SQLite's surrogate keys that nothing refers to; ``library_sections.server_id`` becomes
the server (``Server.machine_identifier``). The ``on_*`` columns of ``notifiers`` become
``NotifierTrigger`` rows (:func:`notifier_trigger_plan`).

Not imported, on purpose: the lookup caches (``tvmaze_lookup``, ``themoviedb_lookup``,
``musicbrainz_lookup``, ``image_hash_lookup``, ``imgur_lookup``, ``cloudinary_lookup``) and
``exports`` (rebuilt on demand), ``sqlite_sequence``; ``version_info`` goes to
``TautulliImport.source_version``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models

from core.events import Action
from history.triggers import TRIGGER_NAME_PATTERN

from .idmap import IdMap
from .sql import bool_sql, coalesce, datetime_sql, int_sql, json_sql, literal, quote_ident

CACHE_TABLES = (
    "tvmaze_lookup",
    "themoviedb_lookup",
    "musicbrainz_lookup",
    "image_hash_lookup",
    "imgur_lookup",
    "cloudinary_lookup",
    "exports",
    "sqlite_sequence",
    "sqlite_stat1",
    "version_info",
)

# history.triggers (``<table>_group_dirty_<event>``) only queue plays to recompute; a bulk load
# pauses them and the importer rebuilds every play afterwards (see importer).
GROUP_TRIGGERS = TRIGGER_NAME_PATTERN

INT_TYPES = {
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
}


# --- Field sources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A source column, converted by the model field's type."""

    name: str


@dataclass(frozen=True)
class MappedId:
    """A source id column mapped through the ``group``'s IdMap (id + offset)."""

    name: str
    group: str


@dataclass(frozen=True)
class Server:
    """The pk of the server everything is attached to."""


@dataclass(frozen=True)
class Const:
    """A constant value (rendered as an SQL literal)."""

    value: object


@dataclass(frozen=True)
class Computed:
    """``render(ctx)`` → SQL; ``reads`` are the source columns it uses."""

    render: Callable[[PlanContext], str]
    reads: tuple[str, ...] = ()


# --- Dedupe keys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdKey:
    """Skip rows whose (mapped) primary key is already in our table: checked per batch by one
    range query, so it costs nothing when the range is empty and memory stays flat."""

    column: str


@dataclass(frozen=True)
class NaturalKey:
    """Skip rows whose natural key is already in our table (small tables: keys loaded once).

    ``per_server`` limits the loaded keys to the import's server.
    """

    columns: tuple[str, ...]
    per_server: bool = False


# --- Specs ------------------------------------------------------------------------------------


@dataclass
class PlanContext:
    """What a plan depends on: the source's columns, the id maps, our server and database."""

    source_columns: dict[str, list[str]]
    id_maps: dict[str, IdMap]
    server_pk: int | None
    vendor: str
    primary_machine_id: str | None = None
    # Each id group's map as the previous import of this source left it (empty: first import).
    previous_id_maps: dict[str, IdMap] = field(default_factory=dict)
    consumed: dict[str, set[str]] = field(default_factory=dict)

    def has(self, table: str, column: str) -> bool:
        return column in self.source_columns.get(table, ())

    def read(self, table: str, column: str) -> str:
        """The quoted column (recorded as consumed)."""
        self.consumed.setdefault(table, set()).add(column)
        return quote_ident(column)

    def int_or(self, table: str, column: str, default: str = "NULL") -> str:
        if not self.has(table, column):
            return default
        return int_sql(self.read(table, column))


@dataclass
class Plan:
    """A ready SELECT and how to write and dedupe its rows.

    ``columns`` are our table's column names in the SELECT's order; ``key_positions`` the
    indexes of each key's columns; ``count_sql`` counts the source rows the SELECT reads.
    """

    label: str
    source: str
    model: type[models.Model]
    sql: str
    count_sql: str
    columns: list[str]
    keys: list[tuple[IdKey | NaturalKey, tuple[int, ...]]]
    id_range_sql: str | None = None
    paused_triggers: str | None = None


@dataclass
class TableSpec:
    """One source table → one model. See the module doc."""

    source: str
    model: str
    fields: dict[str, object] = field(default_factory=dict)
    keys: tuple = ()
    id_group: str | None = None
    dropped: tuple[str, ...] = ()
    where: Callable[[PlanContext], str] | None = None
    order_by: Callable[[PlanContext], str] | None = None
    label: str | None = None
    secret: bool = False
    paused_triggers: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.source

    def get_model(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def target_fields(self) -> list[models.Field]:
        """The model's concrete fields written by the import (an auto pk not listed is left out)."""
        model = self.get_model()
        return [
            f
            for f in model._meta.concrete_fields
            if not (f.primary_key and f.name not in self.fields and isinstance(f, models.AutoField))
        ]

    def expression(self, f: models.Field, ctx: PlanContext) -> str:
        source = self.fields.get(f.name, Col(f.column))
        if isinstance(source, Server):
            return literal(ctx.server_pk)
        if isinstance(source, Const):
            return literal(source.value)
        if isinstance(source, Computed):
            for name in source.reads:
                if ctx.has(self.source, name):
                    ctx.read(self.source, name)
            return source.render(ctx)
        if isinstance(source, MappedId):
            if not ctx.has(self.source, source.name):
                return "NULL"
            return ctx.id_maps[source.group].sql(ctx.read(self.source, source.name))
        return convert(f, source.name, self.source, ctx)

    def plan(self, ctx: PlanContext) -> Plan:
        fields = self.target_fields()
        exprs = [self.expression(f, ctx) for f in fields]
        for name in self.dropped:
            if ctx.has(self.source, name):
                ctx.read(self.source, name)
        table = quote_ident(self.source)
        where = f" WHERE {self.where(ctx)}" if self.where else ""
        order = (
            self.order_by(ctx)
            if self.order_by
            else ("rowid" if not ctx.has(self.source, "id") else '"id"')
        )
        columns = [f.column for f in fields]
        id_range_sql = None
        id_keys = [k for k in self.keys if isinstance(k, IdKey)]
        if id_keys:
            pk = exprs[columns.index(id_keys[0].column)]
            id_range_sql = f"SELECT MIN(k), MAX(k) FROM (SELECT {pk} AS k FROM {table}{where})"
        return Plan(
            label=self.name,
            source=self.source,
            model=self.get_model(),
            sql=f"SELECT {', '.join(exprs)} FROM {table}{where} ORDER BY {order}",
            count_sql=f"SELECT COUNT(*) FROM {table}{where}",
            columns=columns,
            keys=[(key, key_positions(key, columns)) for key in self.keys],
            id_range_sql=id_range_sql,
            paused_triggers=self.paused_triggers,
        )


def key_positions(key, columns: list[str]) -> tuple[int, ...]:
    names = (key.column,) if isinstance(key, IdKey) else key.columns
    return tuple(columns.index(name) for name in names)


def convert(f: models.Field, column: str, table: str, ctx: PlanContext) -> str:
    """SQL of a source column converted to field ``f``'s type; the default when absent."""
    default = field_default(f)
    if not ctx.has(table, column):
        return default
    col = ctx.read(table, column)
    internal = f.get_internal_type()
    if f.is_relation or internal in INT_TYPES:
        expr = int_sql(col)
    elif internal == "BooleanField":
        expr = bool_sql(col)
    elif internal == "DateTimeField":
        expr = datetime_sql(col, ctx.vendor)
    elif internal == "JSONField":
        return json_sql(col, default)
    else:
        expr = col
    return coalesce(expr, default) if not f.null else expr


def field_default(f: models.Field) -> str:
    """SQL literal of the value a missing/NULL source value becomes for ``f``."""
    if f.has_default():
        value = f.get_default()
    elif f.null:
        value = None
    elif f.is_relation or f.get_internal_type() in INT_TYPES:
        value = 0
    else:
        value = ""
    return literal(value)


# --- The tables -------------------------------------------------------------------------------


def _play_duration(ctx: PlanContext) -> str:
    """History.compute_play_duration in SQL: (stopped − started if both set, else 0) − paused."""
    started = ctx.int_or("session_history", "started")
    stopped = ctx.int_or("session_history", "stopped")
    paused = ctx.int_or("session_history", "paused_counter", "0")
    return (
        f"((CASE WHEN COALESCE({stopped}, 0) != 0 AND COALESCE({started}, 0) != 0 "
        f"THEN {stopped} - {started} ELSE 0 END) - COALESCE({paused}, 0))"
    )


def _has_history_row(ctx: PlanContext) -> str:
    return '"id" IN (SELECT "id" FROM "session_history")'


def _sessions_not_imported_before(ctx: PlanContext) -> str:
    """Only sessions a previous import did not see: one imported before and since closed (its
    play written to history, its row gone) must not come back and be written twice."""
    previous = ctx.previous_id_maps.get("sessions")
    if previous is None or previous.max_id is None:
        return "1"
    return f"{int_sql(quote_ident('id'))} > {int(previous.max_id)}"


def _libraries_order(ctx: PlanContext) -> str:
    """The primary server's sections first, so they win a section_id clash with older servers."""
    if ctx.has("library_sections", "server_id"):
        return f'("server_id" IS NOT {literal(ctx.primary_machine_id)}), "id"'
    return '"id"'


TABLES: list[TableSpec] = [
    TableSpec(
        "users",
        "users.User",
        fields={"placeholder": Const(False)},
        keys=(NaturalKey(("user_id",)),),
        dropped=("id",),
        secret=True,
    ),
    TableSpec(
        "library_sections",
        "libraries.Library",
        fields={"server": Server()},
        keys=(NaturalKey(("section_id",), per_server=True),),
        dropped=("id", "server_id"),
        order_by=_libraries_order,
    ),
    TableSpec(
        "session_history",
        "history.History",
        paused_triggers=GROUP_TRIGGERS,
        fields={
            "id": MappedId("id", "history"),
            "server": Server(),
            "reference_id": MappedId("reference_id", "history"),
            "play_duration": Computed(_play_duration),
            "user": Col("user_id"),
            "username": Col("user"),
        },
        keys=(IdKey("id"),),
        id_group="history",
    ),
    TableSpec(
        "session_history_metadata",
        "history.HistoryMetadata",
        paused_triggers=GROUP_TRIGGERS,
        fields={"history": MappedId("id", "history")},
        keys=(IdKey("id"),),
        where=_has_history_row,
    ),
    TableSpec(
        "session_history_media_info",
        "history.HistoryMediaInfo",
        paused_triggers=GROUP_TRIGGERS,
        fields={"history": MappedId("id", "history")},
        keys=(IdKey("id"),),
        where=_has_history_row,
    ),
    TableSpec(
        "notifiers",
        "notifications.Notifier",
        fields={"id": MappedId("id", "notifiers"), "config": Col("notifier_config")},
        keys=(IdKey("id"),),
        id_group="notifiers",
        secret=True,
    ),
    # NotifierTrigger rows come from the same table: see notifier_trigger_plan().
    TableSpec(
        "notify_log",
        "notifications.NotifyLog",
        fields={
            "id": MappedId("id", "notify_log"),
            "notifier_id": MappedId("notifier_id", "notifiers"),
        },
        keys=(IdKey("id"),),
        id_group="notify_log",
    ),
    TableSpec(
        "newsletters",
        "newsletters.Newsletter",
        fields={"id": MappedId("id", "newsletters"), "config": Col("newsletter_config")},
        keys=(IdKey("id"),),
        id_group="newsletters",
        secret=True,
    ),
    TableSpec(
        "newsletter_log",
        "newsletters.NewsletterLog",
        fields={
            "id": MappedId("id", "newsletter_log"),
            "newsletter_id": MappedId("newsletter_id", "newsletters"),
        },
        keys=(IdKey("id"), NaturalKey(("uuid",))),
        id_group="newsletter_log",
    ),
    TableSpec(
        "recently_added",
        "libraries.RecentlyAdded",
        fields={"id": MappedId("id", "recently_added"), "server": Server()},
        keys=(IdKey("id"),),
        id_group="recently_added",
    ),
    TableSpec(
        "mobile_devices",
        "notifications.MobileDevice",
        keys=(NaturalKey(("device_id",)),),
        dropped=("id",),
        secret=True,
    ),
    TableSpec(
        "user_login",
        "users.UserLogin",
        fields={"id": MappedId("id", "user_login")},
        keys=(IdKey("id"),),
        id_group="user_login",
        secret=True,
    ),
    # Live streams as Tautulli last saw them: hidden (confirmed=False) until the reconciling
    # poll reaches their server, which continues them or writes their history (servers.models).
    TableSpec(
        "sessions",
        "plex.Session",
        fields={"id": MappedId("id", "sessions"), "server": Server(), "confirmed": Const(False)},
        keys=(IdKey("id"),),
        id_group="sessions",
        where=_sessions_not_imported_before,
    ),
    TableSpec(
        "sessions_continued",
        "plex.SessionContinued",
        keys=(NaturalKey(("user_id", "machine_id", "media_type")),),
        dropped=("id",),
    ),
]

# Where each id group's ids come from: (source table, model whose pk they become).
ID_GROUPS = {spec.id_group: spec for spec in TABLES if spec.id_group}


def notifier_trigger_plan(ctx: PlanContext) -> Plan | None:
    """One NotifierTrigger row per (notifier, action) from the ``on_*`` columns of ``notifiers``.

    ``enabled`` ← ``on_X`` (0/1), ``subject`` ← ``on_X_subject``, ``body`` ← ``on_X_body``. Actions
    an older Tautulli lacks become disabled triggers with no text.
    """
    if "notifiers" not in ctx.source_columns:
        return None
    model = apps.get_model("notifications.NotifierTrigger")
    notifier = ctx.id_maps["notifiers"].sql(ctx.read("notifiers", "id"))
    selects = []
    for action in Action.values:
        enabled = (
            f"COALESCE({bool_sql(ctx.read('notifiers', action))}, 0)"
            if ctx.has("notifiers", action)
            else "0"
        )
        texts = [
            ctx.read("notifiers", f"{action}_{part}")
            if ctx.has("notifiers", f"{action}_{part}")
            else "NULL"
            for part in ("subject", "body")
        ]
        selects.append(
            f"SELECT {notifier} AS notifier_id, {literal(action)} AS action, {enabled} AS enabled, "
            f'{texts[0]} AS subject, {texts[1]} AS body, "id" AS src_id, {len(selects)} AS n '
            f'FROM "notifiers"'
        )
    columns = ["notifier_id", "action", "enabled", "subject", "body"]
    union = " UNION ALL ".join(selects)
    key = NaturalKey(("notifier_id", "action"))
    return Plan(
        label="notifiers → triggers",
        source="notifiers",
        model=model,
        sql=f"SELECT {', '.join(columns)} FROM ({union}) ORDER BY src_id, n",
        count_sql=f'SELECT COUNT(*) * {len(Action)} FROM "notifiers"',
        columns=columns,
        keys=[(key, key_positions(key, columns))],
    )


def unread_columns(ctx: PlanContext) -> list[str]:
    """``table.column`` of every source column of an imported table that no plan read."""
    imported = {spec.source for spec in TABLES}
    missing = []
    for table, columns in ctx.source_columns.items():
        if table not in imported:
            continue
        read = ctx.consumed.get(table, set())
        missing.extend(f"{table}.{c}" for c in columns if c not in read)
    return missing
