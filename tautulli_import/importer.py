"""Orchestration of a Tautulli import: one transaction, table by table, in batches.

Order: users, placeholder users (history whose user row is gone), libraries, the three history
tables, notifiers and their triggers, notify log, newsletters, newsletter log, recently added,
mobile devices, web logins, live sessions, sessions_continued. Every row is attached to one
server (see :func:`resolve_server`). Rows already present (by id + offset, or natural key) are
skipped, never overwritten, so a second run adds nothing and a newer copy adds only new rows.
At the end, the pre-aggregated plays of ``history.grouping`` are brought up to date.

Speed: each table is one SELECT whose conversions run in SQLite (``sql.py``), streamed with
``fetchmany``. A table none of whose ids are here yet goes in as one stream (one COPY on
PostgreSQL); from ``BULK_LOAD_ROWS`` rows on, its secondary indexes (and PostgreSQL foreign
keys) are rebuilt once after the load (``Writer.bulk_load``). Otherwise each batch is checked
against the ids already present (one range query) and only new rows are inserted.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError as DjangoDatabaseError
from django.db import connection, transaction

from servers.models import DEMO_MACHINE_IDENTIFIER, Server
from tautulli_import.models import TautulliImport
from users.models import User

from .errors import SourceError, TautulliImportError
from .idmap import IdMap
from .progress import Progress, TableResult
from .source import SourceDB, open_source
from .sql import int_sql
from .tables import (
    ID_GROUPS,
    TABLES,
    IdKey,
    NaturalKey,
    Plan,
    PlanContext,
    notifier_trigger_plan,
    unread_columns,
)
from .writer import Writer, writer_for_connection

DEFAULT_SERVER_NAME = "Plex Media Server"
# First loads of at least this many rows build their indexes and check their foreign keys once,
# after the load (Writer.bulk_load); smaller ones are inserted with everything in place.
BULK_LOAD_ROWS = 50_000
SECRET_SOURCES = {spec.source for spec in TABLES if spec.secret}

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do).

    ``counts``: rows added per source table (``"notifiers → triggers"`` for the triggers,
    ``"placeholder users"`` for users created for orphaned history).
    """

    server: Server
    server_created: bool
    dry_run: bool
    source_version: str = ""
    tables: list[TableResult] = field(default_factory=list)
    placeholder_user_ids: list[int] = field(default_factory=list)
    id_offsets: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # What happened to the source's ids, one line per id group that got new ids (see id_report).
    id_report: list[str] = field(default_factory=list)
    # Scripted plays of the demo removed (or, in a dry run, to be removed) before the import.
    demo_plays_removed: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {t.name: t.added for t in self.tables}

    @property
    def source_counts(self) -> dict[str, int]:
        return {t.name: t.read for t in self.tables}

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables)


def import_tautulli(
    path: str | Path,
    *,
    server_name: str | None = None,
    dry_run: bool = False,
    batch_size: int = 5000,
    report=None,
    progress_every: int = 100_000,
) -> ImportResult:
    """Import the Tautulli database at ``path`` into the default database, atomically.

    ``server_name``: attach to the server of that name (created if missing) instead of the one
    named by ``library_sections.server_id`` (see :func:`resolve_server`). ``report(line)``
    receives progress lines. The demo's scripted plays are removed first (they must not take
    the ids of the imported history, nor count in its statistics); ``ImportResult.id_report``
    says what became of the ids. Raises :class:`SourceError` (missing/corrupt/not Tautulli,
    history without the columns a play needs, unknown server; exit status 2) or
    :class:`TautulliImportError`; either way nothing was written.
    """
    source = open_source(path)
    try:
        importer = TautulliImporter(
            source,
            server_name=server_name,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=Progress(report, every=progress_every),
        )
        return importer.run()
    finally:
        source.close()


class TautulliImporter:
    """One import run over an open :class:`SourceDB` (see :func:`import_tautulli`)."""

    def __init__(
        self,
        source: SourceDB,
        *,
        server_name: str | None,
        dry_run: bool,
        batch_size: int,
        progress: Progress,
    ):
        self.source = source
        self.server_name = server_name
        self.dry_run = dry_run
        self.batch_size = max(1, batch_size)
        self.progress = progress
        self.writer: Writer = writer_for_connection(dry_run)
        self.current = ""
        # Set when a bulk load skipped the history tables' group triggers: the plays are then
        # rebuilt in full at the end instead of from the queue those triggers fill.
        self.full_group_rebuild = False

    # --- entry point --------------------------------------------------------------------------

    def run(self) -> ImportResult:
        try:
            with transaction.atomic():
                result = self._run()
                if self.dry_run:
                    transaction.set_rollback(True)
            if not self.dry_run:
                vacuum_after_import()
            return result
        except sqlite3.DatabaseError as exc:
            raise SourceError(
                f"{self.source.path}: the database cannot be read ({exc}); nothing was imported"
            ) from None
        except DjangoDatabaseError as exc:
            raise TautulliImportError(self._describe(exc)) from exc

    def _describe(self, exc: Exception) -> str:
        """One safe line: no values from secret-bearing tables."""
        where = self.current or "import"
        if self.current.split(" ")[0] in SECRET_SOURCES:
            detail = type(exc).__name__
        else:
            first_line = (str(exc).strip().splitlines() or [""])[0]
            detail = f"{type(exc).__name__}: {first_line}"
        return f"{where}: {detail}; nothing was imported"

    def _run(self) -> ImportResult:
        server, created, machine_id = resolve_server(self.source, self.server_name, self.dry_run)
        record = TautulliImport.objects.filter(server=server).first() if server.pk else None
        result = ImportResult(
            server=server,
            server_created=created,
            dry_run=self.dry_run,
            source_version=self.source.version(),
        )
        if self.source.immutable:
            result.warnings.append(
                "read with immutable=1 (the folder is not writable and there is no -shm file)"
            )
        result.demo_plays_removed = self.remove_demo_plays()
        previous = {
            group: IdMap.from_state((record.id_offsets if record else {}).get(group))
            for group in ID_GROUPS
        }
        id_maps = self.plan_id_maps(record)
        result.id_report = self.describe_ids(previous, id_maps)
        ctx = PlanContext(
            source_columns=self.source.columns,
            id_maps=id_maps,
            server_pk=server.pk,
            vendor=connection.vendor,
            primary_machine_id=machine_id,
            previous_id_maps=previous,
        )
        plans: list[Plan] = []
        for spec in TABLES:
            if self.source.has_table(spec.source):
                plans.append(spec.plan(ctx))
                if spec.source == "notifiers":
                    plans.append(notifier_trigger_plan(ctx))
        result.warnings += [f"{c}: no column to import it into" for c in unread_columns(ctx)]

        for plan in plans:
            result.tables.append(self.copy(plan, server))
            if plan.source == "users":
                result.tables.append(self.create_placeholder_users(result))

        self.writer.reset_sequences({plan.model for plan in plans})
        if not self.dry_run and any(t.added for t in result.tables if t.name == "newsletters"):
            # Rows are written without signals: the active newsletters get their cron schedule.
            from newsletters.schedules import sync_all

            sync_all()
        history_added = sum(t.added for t in result.tables if t.name.startswith("session_history"))
        if history_added and not self.dry_run:
            self.rebuild_history_groups()
        result.id_offsets = {group: m.to_state() for group, m in id_maps.items()}
        if not self.dry_run:
            TautulliImport.objects.update_or_create(
                server=server,
                defaults={
                    "id_offsets": result.id_offsets,
                    "source_path": str(self.source.path.resolve()),
                    "source_version": result.source_version,
                    "last_counts": result.counts,
                },
            )
        self.current = "final foreign key checks"
        return result

    # --- the demo ---------------------------------------------------------------------------

    def remove_demo_plays(self) -> int:
        """Remove the demo's scripted plays (:func:`plex.demo.remove_demo_plays`); in a dry run
        only count them. Returns how many history rows (would) go."""
        from history.models import History
        from plex.demo import demo_server, remove_demo_plays

        demo = demo_server()
        if demo is None:
            return 0
        if self.dry_run:
            return History.objects.filter(server=demo).count()
        self.current = "demo plays"
        return remove_demo_plays(demo)

    # --- id offsets ---------------------------------------------------------------------------

    def plan_id_maps(self, record: TautulliImport | None) -> dict[str, IdMap]:
        """Each id group's map: the stored one, extended for the source's current id range."""
        maps = {}
        for group, spec in ID_GROUPS.items():
            model = spec.get_model()
            table, pk = model._meta.db_table, model._meta.pk.column
            state = (record.id_offsets if record else {}).get(group)
            maps[group] = IdMap.from_state(state).extended(
                self.source.id_range(spec.source),
                lambda low, high, t=table, c=pk: self.writer.ids_in_use(t, c, low, high),
                lambda t=table, c=pk: self.writer.highest_id(t, c),
            )
        return maps

    def describe_ids(self, previous: dict[str, IdMap], planned: dict[str, IdMap]) -> list[str]:
        """One line per id group that gets new ids in this run: kept, or offset by N and why.

        Always a line for ``history`` (its ids are the ``row_id``/``reference_id`` clients
        see); for the other groups only when their new ids are offset. ``sessions`` (rows that
        live minutes) are left out.
        """
        lines = []
        for group, spec in ID_GROUPS.items():
            if group == "sessions":
                continue
            before, after = previous[group], planned[group]
            source_range = self.source.id_range(spec.source)
            if source_range is None:
                if group == "history":
                    lines.append("history: the source has no history rows")
                continue
            low, high = source_range
            start = low if before.max_id is None else before.max_id + 1
            if start > high:
                if group == "history":
                    lines.append(f"history: no new ids (up to {before.max_id} already imported)")
                continue
            offset = after.map(start) - start
            label = "history ids (row_id, reference_id)" if group == "history" else f"{group} ids"
            if offset == 0:
                if group == "history":
                    lines.append(f"{label} {start}–{high}: kept as in Tautulli")
                continue
            prior = before.map(start) - start if before.segments else 0
            why = self._who_uses(spec, start + prior, high + prior)
            lines.append(
                f"{label} {start}–{high}: stored as {start + offset}–{high + offset} "
                f"(offset +{offset}), because ids {start + prior}–{high + prior} are already "
                f"used by {why}"
            )
        return lines

    def _who_uses(self, spec, low: int, high: int) -> str:
        """Whose rows hold ids in ``[low, high]``: the servers' names for history."""
        model = spec.get_model()
        rows = model.objects.filter(pk__range=(low, high))
        if not any(f.name == "server" for f in model._meta.fields):
            return f"{rows.count():,} existing {model._meta.verbose_name_plural}"
        names = sorted(set(rows.values_list("server__name", flat=True)))
        return "the history of " + ", ".join(repr(name) for name in names)

    # --- copying ------------------------------------------------------------------------------

    def copy(self, plan: Plan, server: Server) -> TableResult:
        """Stream ``plan``'s rows in batches, drop those already present, insert the rest."""
        self.current = plan.label
        table = plan.model._meta.db_table
        total = int(self.source.scalar(plan.count_sql) or 0)
        self.progress.start(plan.label, total)
        seen: dict[NaturalKey, set[tuple]] = {
            key: self.writer.existing_keys(
                table, key.columns, {"server_id": server.pk} if key.per_server else None
            )
            for key, _ in plan.keys
            if isinstance(key, NaturalKey)
        }
        fast = not seen and not self._ids_present(plan, table)
        bulk = fast and total >= BULK_LOAD_ROWS
        with self.source.batches(plan.sql, self.batch_size) as batches:
            if fast:
                # Nothing of this table is here yet (a first import): one stream, no reads.
                with (
                    self.writer.bulk_load(table, paused_triggers=plan.paused_triggers)
                    if bulk
                    else nullcontext(),
                    self.writer.stream(table, plan.columns) as sink,
                ):
                    for rows in batches:
                        sink(rows)
                        self.progress.advance(len(rows), len(rows))
                if bulk and plan.paused_triggers:
                    self.full_group_rebuild = True
            else:
                for rows in batches:
                    read = len(rows)
                    for key, positions in plan.keys:
                        if isinstance(key, IdKey):
                            rows = self._drop_existing_ids(table, key, positions[0], rows)
                        else:
                            rows = _drop_seen(seen[key], positions, rows)
                    self.writer.insert(table, plan.columns, rows)
                    self.progress.advance(read, len(rows))
        return self.progress.finish(self.dry_run)

    def _ids_present(self, plan: Plan, table: str) -> bool:
        """Whether any of the plan's (mapped) ids is already in our table."""
        if not plan.id_range_sql:
            return True
        low, high = self.source.connection.execute(plan.id_range_sql).fetchone()
        if low is None:
            return False
        id_key = next(k for k, _ in plan.keys if isinstance(k, IdKey))
        return self.writer.ids_in_use(table, id_key.column, low, high)

    def _drop_existing_ids(self, table: str, key: IdKey, pos: int, rows: list) -> list:
        ids = [row[pos] for row in rows if row[pos] is not None]
        if not ids:
            return rows
        existing = self.writer.existing_ids(table, key.column, min(ids), max(ids))
        return [row for row in rows if row[pos] not in existing] if existing else rows

    def rebuild_history_groups(self) -> None:
        """Bring the pre-aggregated plays (``history.grouping``) up to date once, at the end.

        The history tables' triggers queued the key of every play that got rows, and
        ``sync_groups`` recomputes those plays. A bulk load paused those triggers (they would
        queue every play, one by one, only for all plays to be recomputed): then
        ``rebuild_groups()`` recomputes every play, which is what the queue would have led to.
        Inside this transaction, like the rest.
        """
        try:
            from history.grouping import rebuild_groups, sync_groups
        except ImportError:  # a project without pre-aggregated plays: nothing to update
            return

        self.current = "history groups"
        self.progress.start("history groups", 0)
        if connection.vendor == "postgresql":
            # One big GROUP BY over the history after a first load: let it hash in memory
            # (for this transaction only).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
        if self.full_group_rebuild:
            rebuild_groups()
        else:
            sync_groups()
        self.progress.finish(self.dry_run, note="updated")
        self.rebuild_statistics()

    def rebuild_statistics(self) -> None:
        """Leave the statistics rollups current (``stats.rollup.sync_rollup``: built if they never
        were, else the days the import changed), so that no reader builds them. Inside this
        transaction, like the rest."""
        try:
            from stats.rollup import sync_rollup
        except ImportError:  # a project without statistics rollups
            return
        self.current = "statistics"
        self.progress.start("statistics", 0)
        sync_rollup()
        self.progress.finish(self.dry_run, note="updated")

    def create_placeholder_users(self, result: ImportResult) -> TableResult:
        """Users for history rows whose ``user_id`` has no ``users`` row (``placeholder=True``).

        The username is the ``session_history.user`` of the user's latest row.
        """
        self.current = "placeholder users"
        self.progress.start("placeholder users", 0)
        user_id = int_sql('"user_id"')
        rows = self.source.connection.execute(
            f'SELECT uid, "user", MAX(id) FROM (SELECT {user_id} AS uid, "user", "id" '
            f"FROM session_history) WHERE uid IS NOT NULL AND uid NOT IN "
            f"(SELECT {user_id} FROM users WHERE {user_id} IS NOT NULL) GROUP BY uid ORDER BY uid"
        ).fetchall()
        known = set(
            User.objects.filter(user_id__in=[r[0] for r in rows]).values_list("user_id", flat=True)
        )
        new = [
            User(user_id=uid, username=name or str(uid), placeholder=True)
            for uid, name, _ in rows
            if uid not in known
        ]
        if not self.dry_run:
            User.objects.bulk_create(new)
        result.placeholder_user_ids = [u.user_id for u in new]
        self.progress.current.source_rows = len(rows)
        self.progress.advance(len(rows), len(new))
        verb = "would create" if self.dry_run else "created"
        return self.progress.finish(self.dry_run, note=f"{verb} {len(new)}")


def _drop_seen(seen: set[tuple], positions: tuple[int, ...], rows: list) -> list:
    kept = []
    for row in rows:
        key = tuple(row[i] for i in positions)
        if key in seen:
            continue
        seen.add(key)
        kept.append(row)
    return kept


def primary_machine_id(source: SourceDB) -> str | None:
    """The PMS ``machineIdentifier`` most of ``library_sections`` belongs to (active sections
    first), or None when the source has no sections."""
    columns = source.columns.get("library_sections", [])
    if "server_id" not in columns:
        return None
    active = 'SUM(COALESCE("deleted_section", 0) = 0)' if "deleted_section" in columns else "0"
    value = source.scalar(
        f"SELECT \"server_id\" FROM library_sections WHERE COALESCE(\"server_id\", '') != '' "
        f'GROUP BY "server_id" ORDER BY {active} DESC, COUNT(*) DESC, MAX(rowid) DESC LIMIT 1'
    )
    return str(value) if value else None


def resolve_server(
    source: SourceDB, server_name: str | None, dry_run: bool
) -> tuple[Server, bool, str | None]:
    """The server to attach everything to → ``(server, created, source machine id)``.

    A server is its PMS's machine identifier, Tautulli's ``library_sections.server_id``
    (issue 10). Without ``--server``: the server with that identifier (added in the admin or
    imported before), else a new "Plex Media Server" with it and no URL (its URL and token are
    entered in the admin, or come with ``PLEX_URL``: adding a server that reports the same
    identifier fills in this one, see ``plex.env_server``). ``--server NAME``: the server of
    that name (it gets the identifier when it has none and no other server has it), else a new
    one. The demo's server never receives an import.

    Raises :class:`SourceError` when the source names no server (no ``library_sections``, or
    none with a ``server_id``) and no ``--server`` is given, and when ``--server`` names the
    demo. In a dry run a missing server is not saved (its pk is None), nor is the identifier.
    """
    machine_id = primary_machine_id(source)
    if machine_id == DEMO_MACHINE_IDENTIFIER:
        machine_id = None  # a copy of the demo's own recordings: never the demo's row
    if server_name:
        server = Server.objects.filter(name=server_name).order_by("id").first()
        if server is not None and server.is_demo:
            raise SourceError(
                f"{source.path}: --server {server_name!r} is the demo server, which cannot "
                "receive an import; name your own server"
            )
        free = machine_id and not Server.objects.filter(machine_identifier=machine_id).exists()
        if server is not None:
            if free and not server.machine_identifier and not dry_run:
                server.machine_identifier = machine_id
                server.save(update_fields=["machine_identifier"])
            return server, False, machine_id
        server = Server(name=server_name, machine_identifier=machine_id if free else None)
    elif machine_id:
        server = Server.objects.joinable(machine_id)
        if server:
            return server, False, machine_id
        server = Server(name=DEFAULT_SERVER_NAME, machine_identifier=machine_id)
    else:
        what = (
            "has no library_sections table"
            if not source.has_table("library_sections")
            else "names no server in library_sections.server_id"
        )
        raise SourceError(
            f"{source.path}: the database {what}, so the Plex server its history belongs to is "
            "unknown; give --server NAME to attach it to that server"
        )
    if not dry_run:
        server.save()
    return server, True, machine_id


def vacuum_after_import() -> None:
    """PostgreSQL: ``VACUUM (ANALYZE)`` of the database once an import committed, as autovacuum
    would do some minutes later (or never, where it is off): the visibility maps of the new rows
    make the index-only scans of the history and statistics reads what they are meant to be
    (at 1M plays, 10 s; a user's watch time 15 -> 8 ms, the users table 18 -> 10 ms). Inside an
    outer transaction (tests) it is left to autovacuum. A failure is logged, never raised: the
    import is done and reads stay correct."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    except DjangoDatabaseError as exc:
        logger.warning("VACUUM after the import failed: %s", exc)
