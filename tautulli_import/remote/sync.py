"""The sync of one Tautulli connection: users and libraries, then history, page by page.

Rows go through the file import's machinery (``TautulliImporter.copy`` over the plans of
``tables.py``, fed by :mod:`.staging`): Tautulli's row ids and reference ids are kept (through
the same per-server id map, ``TautulliImport.id_offsets``, so a file import and a sync of the
same Tautulli never write a row twice), users are deduped by user_id, libraries by section_id
per server, history by id; placeholder users are created the same way. The play groups and the
statistics rollups are brought up to date once, after the last page (:func:`history_upkeep`):
until then the history triggers' queues, committed with each page, hold what changed, and
readers bring them up to date first, as after any write.

History is read with ``get_history`` (grouping=0) ordered by row id ascending, ``page_length``
rows at a time, from the last row seen (``TautulliConnection.last_history_id``). Tautulli has no
"id above" filter, only positions, so each request starts at the last seen row's position
(``history_position``) and checks that this row is there: when rows were deleted in Tautulli
meanwhile (positions moved down) it steps back until it finds its place. Each page is written
in one transaction together with the new cursor, so a failure leaves every committed page and
a cursor that points at the last of them; the next run resumes there. The next page is read
while the current one is written (:func:`prefetched_pages`).

Not carried by ``get_history``, hence left at the defaults an older Tautulli's missing columns
get: view_offset, the item's duration and the other metadata (summary, genres...), and the
stream's media info except transcode_decision. ``platform`` is Tautulli's display name
(``PLATFORM_NAME_OVERRIDES``). A row's ``section_id`` is read by asking, per library, which of
the page's plays (reference ids) are in it (:func:`attach_sections`).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from servers.models import DEMO_MACHINE_IDENTIFIER, Server

from ..errors import TautulliImportError
from ..idmap import IdMap
from ..importer import (
    DEFAULT_SERVER_NAME,
    ImportResult,
    TautulliImporter,
    primary_machine_id,
    resolve_server,
)
from ..models import TautulliConnection, TautulliImport
from ..progress import Progress
from ..source import SourceDB
from ..tables import ID_GROUPS, TABLES, PlanContext
from . import staging
from .client import TautulliAPIError, TautulliClient

# Rows per get_history page: each page is one transaction and 1 + (libraries) requests, and a
# real Tautulli reads its whole filtered history for every request, so pages are large; the
# memory they take is bounded by this (two pages of 10,000 rows in memory at once, the one written
# and the one read ahead: about 100 MB; at 1M rows on PostgreSQL, 10,000 rather than 5,000 took
# the sync from 326 s to 297 s, RSS 206-229 MB instead of 181 MB).
PAGE_LENGTH = 10_000
logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """What one sync did: ``counts`` = rows added per Tautulli table (the file import's names,
    plus ``placeholder users``); ``pages`` = history pages written; ``error`` = the one-line
    failure ('' when it completed)."""

    connection: TautulliConnection
    server: Server | None = None
    counts: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    error: str = ""

    def add(self, counts: dict[str, int]) -> None:
        for name, added in counts.items():
            self.counts[name] = self.counts.get(name, 0) + added

    @property
    def added(self) -> int:
        return sum(self.counts.values())


class StagedWriter(TautulliImporter):
    """Writes the tables of a staging :class:`SourceDB` into a server, as the file import does,
    inside the caller's transaction (no demo removal, no VACUUM: see :func:`sync_connection`)."""

    def __init__(self, source: SourceDB, server: Server, *, source_label: str):
        super().__init__(
            source, server_name=None, dry_run=False, batch_size=5000, progress=Progress(None)
        )
        self.server = server
        self.source_label = source_label

    def write(self, *, upkeep: bool = True) -> dict[str, int]:
        """Rows added per table. Must run inside ``transaction.atomic()``.

        ``upkeep=False`` leaves the play groups and the statistics rollups to a later
        :func:`history_upkeep`: the history tables' triggers queued what changed (in this
        transaction, so the queue commits with the rows), and until it runs every reader of
        those tables brings them up to date first (``core.freshness``)."""
        record = TautulliImport.objects.select_for_update().filter(server=self.server).first()
        previous = {group: (record.id_offsets if record else {}).get(group) for group in ID_GROUPS}
        id_maps = self.plan_id_maps(record)
        ctx = PlanContext(
            source_columns=self.source.columns,
            id_maps=id_maps,
            server_pk=self.server.pk,
            vendor=db_connection.vendor,
            primary_machine_id=primary_machine_id(self.source),
            previous_id_maps={g: IdMap.from_state(s) for g, s in previous.items()},
        )
        counts: dict[str, int] = {}
        plans = [
            spec.plan(ctx)
            for spec in TABLES
            if self.source.has_table(spec.source) and self.source.count(spec.source)
        ]
        for plan in plans:
            counts[plan.label] = self.copy(plan, self.server).added
        if self.source.count("session_history"):
            holder = ImportResult(server=self.server, server_created=False, dry_run=False)
            counts["placeholder users"] = self.create_placeholder_users(holder).added
        self.writer.reset_sequences({plan.model for plan in plans})
        history_written = any(
            counts.get(t) for t in ("session_history", "session_history_metadata")
        )
        if upkeep and history_written:
            self.rebuild_history_groups()  # play groups, then the statistics rollups
        TautulliImport.objects.update_or_create(
            server=self.server,
            defaults={
                "id_offsets": {g: m.to_state() for g, m in id_maps.items()},
                "source_path": self.source_label,
                "last_counts": counts,
            },
        )
        return counts


def check_connection(conn: TautulliConnection, client: TautulliClient | None = None) -> str:
    """One line describing the Tautulli at ``conn`` (version, PMS); raises
    :class:`TautulliAPIError` (one line, no API key) when it cannot be read."""
    client = client or client_for(conn)
    info = client.get_tautulli_info()
    server = client.get_server_info()
    return (
        f"Tautulli {info.get('tautulli_version') or '(unknown version)'} "
        f"monitoring {server.get('pms_name') or 'a Plex server'}"
    )


def client_for(conn: TautulliConnection) -> TautulliClient:
    return TautulliClient(conn.url, conn.api_key)


def sync_connection(
    conn: TautulliConnection,
    *,
    client: TautulliClient | None = None,
    page_length: int = PAGE_LENGTH,
) -> SyncResult:
    """Sync ``conn`` (see the module doc) and record the outcome on it (last sync time, rows
    added, last error). Returns the :class:`SyncResult`; a failure is recorded and returned in
    ``result.error``, never raised (what committed stays)."""
    client = client or client_for(conn)
    result = SyncResult(connection=conn)
    try:
        _run(conn, client, result, max(1, page_length))
    except (TautulliImportError, ValueError, TypeError, KeyError) as exc:
        result.error = _one_line(exc, conn)
        logger.warning("Tautulli sync %r failed: %s", conn.name, result.error)
    except Exception as exc:  # a database error: one line, and the next run retries
        result.error = _one_line(exc, conn)
        logger.exception("Tautulli sync %r failed: %s", conn.name, result.error)
    now = timezone.now()
    conn.last_sync_at = now
    conn.last_counts = result.counts
    conn.last_error = result.error[:500]
    fields = ["last_sync_at", "last_counts", "last_error"]
    if not result.error:
        conn.last_success_at = now
        fields.append("last_success_at")
    TautulliConnection.objects.filter(pk=conn.pk).update(**{f: getattr(conn, f) for f in fields})
    if not result.error:
        logger.info(
            "Tautulli sync %r: %d rows added (%d history pages)",
            conn.name,
            result.added,
            result.pages,
        )
    return result


def _one_line(exc: Exception, conn: TautulliConnection) -> str:
    if isinstance(exc, TautulliImportError):
        text = str(exc)
    else:
        first = (str(exc).strip().splitlines() or [""])[0]
        text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    text = " ".join(text.split())
    if conn.api_key:
        text = text.replace(conn.api_key, "<redacted>")
    return text[:500]


def _label(conn: TautulliConnection) -> str:
    return f"{conn.url} (Tautulli sync {conn.name!r})"


def _run(
    conn: TautulliConnection,
    client: TautulliClient,
    result: SyncResult,
    length: int,
):
    client.get_tautulli_info()  # a Tautulli at all, before anything else
    users = client.get_users()
    libraries = client.get_libraries_table()
    source = staging.staging_source(
        {
            "users": staging.users_table(users),
            "library_sections": staging.libraries_table(libraries),
        }
    )
    try:
        server = _server(source, client)
        result.server = server
        if conn.server_id != server.pk:
            conn.server = server
            TautulliConnection.objects.filter(pk=conn.pk).update(server=server)
        with transaction.atomic():
            _remove_demo_plays()
            result.add(StagedWriter(source, server, source_label=_label(conn)).write())
    finally:
        source.close()
    sections = sorted(
        {
            (int(r["section_id"]), str(r.get("section_type") or ""))
            for r in libraries
            if _is_int(r.get("section_id"))
        }
    )
    written = False  # history committed in this run, whose upkeep is due
    try:
        for rows, position in prefetched_pages(client, conn, length, sections):
            page = staging.staging_source(staging.history_tables(rows))
            try:
                with transaction.atomic():
                    locked = TautulliConnection.objects.select_for_update().get(pk=conn.pk)
                    rows_new = [r for r in rows if int(r["row_id"]) > locked.last_history_id]
                    if rows_new:
                        writer = StagedWriter(page, server, source_label=_label(conn))
                        result.add(writer.write(upkeep=False))
                        result.pages += 1
                    last = max(int(r["row_id"]) for r in rows)
                    TautulliConnection.objects.filter(pk=conn.pk).update(
                        last_history_id=max(last, locked.last_history_id),
                        history_position=position,
                    )
                conn.last_history_id = max(last, conn.last_history_id)
                conn.history_position = position
            finally:
                page.close()
            written = written or bool(rows_new)
    finally:
        if written:
            _final_upkeep(conn)


def history_upkeep() -> None:
    """Bring the play groups, the statistics rollups and the items' watch statistics up to
    date with the history written
    since they last were, in one transaction: :func:`history.grouping.sync_groups` then
    :func:`stats.rollup.sync_rollup`, which work from the queues the history tables' triggers
    filled (so they see every committed page, whoever committed it). Cheap when the queues are
    empty; with many queued plays (> 20,000) or days (> 400) they rebuild everything in one
    pass, whose cost grows with the whole history, not with what was queued: so the sync runs
    this once, after its last page, rather than per page (measured on SQLite: at 20k rows with
    pages of 1,000, per page 54 s of a 76 s sync; at 100k rows, every 20,000 rows 317 s, once
    50 s)."""
    from core.db import analyze
    from history.grouping import sync_groups
    from history.models import History, HistoryMediaInfo, HistoryMetadata
    from stats.media_stats import sync_media_stats
    from stats.rollup import sync_rollup

    with transaction.atomic():
        if db_connection.vendor == "postgresql":
            with db_connection.cursor() as cursor:  # a big GROUP BY may hash in memory
                cursor.execute("SET LOCAL work_mem = '256MB'")
            # The planner's statistics of the history the pages added (autovacuum may be off
            # or late): with a first sync's million rows unknown to it, it plans the upkeep's
            # joins for a few thousand (measured: 1,000 rows synced into 1M took 389 s,
            # against seconds once analysed).
            analyze(History, HistoryMetadata, HistoryMediaInfo)
        sync_groups()
        sync_rollup()
        sync_media_stats()  # the items' watch statistics (and inventory rows history knows)


def _final_upkeep(conn: TautulliConnection) -> None:
    """:func:`history_upkeep` after the last page, also when a page failed (the committed ones
    get their statistics now). Its own failure is logged, not raised: the rows are committed
    and their queue too, so readers bring the statistics up to date first."""
    try:
        history_upkeep()
    except Exception:
        logger.exception("Tautulli sync %r: the statistics upkeep failed", conn.name)


def _remove_demo_plays() -> None:
    """The demo's scripted plays go before the first synced rows, as before a file import."""
    from plex.demo import demo_server, remove_demo_plays

    demo = demo_server()
    if demo is not None:
        remove_demo_plays(demo)


def _server(source: SourceDB, client: TautulliClient) -> Server:
    """The server with the PMS's machine identifier (the libraries' ``server_id``, else
    ``get_server_info``'s ``pms_identifier``), else a new one, as the file import attaches."""
    if primary_machine_id(source):
        server, _, _ = resolve_server(source, None, dry_run=False)
        return server
    machine_id = str(client.get_server_info().get("pms_identifier") or "")
    if not machine_id or machine_id == DEMO_MACHINE_IDENTIFIER:
        raise TautulliAPIError(
            f"Tautulli at {client.url}: names no Plex server (no library has a server_id and "
            "get_server_info has no pms_identifier)"
        )
    server = Server.objects.joinable(machine_id)
    if server is None:
        server = Server.objects.create(name=DEFAULT_SERVER_NAME, machine_identifier=machine_id)
    return server


def _is_int(value) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def history_pages(client: TautulliClient, conn: TautulliConnection, length: int):
    """Yield ``(new rows, position)`` pages of history after ``conn.last_history_id``, in id
    order; ``position`` is the index of the page's last row in Tautulli's id-ordered history
    (the next request starts there). The pages follow from each other, not from our database:
    the caller may read the next before committing one (and must stop at a failed commit)."""
    cursor = conn.last_history_id
    position = conn.history_position if cursor else 0
    aligned = cursor == 0
    step = length
    while True:
        page = client.get_history(position, length + (0 if aligned and cursor == 0 else 1))
        rows = page.rows
        for row in rows:
            if not _is_int(row.get("row_id")):
                raise TautulliAPIError(
                    f"Tautulli at {client.url}: get_history: a row has no row_id"
                )
        if cursor and position > 0 and (not rows or int(rows[0]["row_id"]) > cursor):
            # The last seen row is no longer at its position (rows deleted in Tautulli):
            # step back until a row at or before it starts the page.
            position = max(0, position - step)
            step *= 2
            continue
        step = length
        new = [r for r in rows if int(r["row_id"]) > cursor]
        if not rows:
            return
        last_position = position + len(rows) - 1
        if new:
            yield new, last_position
            cursor = max(int(r["row_id"]) for r in new)
        aligned = True
        if len(rows) <= (1 if cursor else 0) or position + len(rows) >= page.total:
            return
        position = last_position


# The media types of the rows a library of each ``section_type`` holds (a movie library's extras
# and a photo library's videos are clips); live TV rows (``live`` = 1) are in Tautulli's Live TV
# library (section_type ``live``).
LIBRARY_MEDIA_TYPES = {
    "movie": {"movie", "clip"},
    "show": {"episode"},
    "artist": {"track"},
    "photo": {"photo", "clip"},
}


def _expected_in(section_type: str, row: dict) -> bool:
    """Whether ``row`` is the kind of play a library of ``section_type`` holds."""
    if str(row.get("live") or 0) not in ("0", "False", "false", ""):
        return section_type == "live"
    return row.get("media_type") in LIBRARY_MEDIA_TYPES.get(section_type, ())


def prefetched_pages(
    client: TautulliClient,
    conn: TautulliConnection,
    length: int,
    libraries: list[tuple[int, str]],
):
    """:func:`history_pages` with their ``section_id`` (:func:`attach_sections`), each page read
    in a thread while the caller writes the one before, so that Tautulli works while we do.
    At most two pages are in memory; the reads stay in order, and nothing is read from or
    written to our database in the thread (the cursor is still moved by the caller, after
    each commit). A read's error is raised when its page is due."""
    pages = history_pages(client, conn, length)

    def read():
        item = next(pages, None)
        if item is not None:
            attach_sections(client, item[0], libraries)
        return item

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tautulli-sync") as pool:
        future = pool.submit(read)
        while (item := future.result()) is not None:
            future = pool.submit(read)
            yield item


def attach_sections(
    client: TautulliClient, rows: list[dict], libraries: list[tuple[int, str]]
) -> None:
    """Set each row's ``section_id`` (absent from get_history rows) by asking, per library
    (``(section_id, section_type)``), which of the page's plays (reference ids) are in it.
    First each library is asked only about the rows not placed yet whose kind it holds
    (movies in movie libraries...), then about the rest not placed yet, so that every row is
    looked for in every current library while most questions are short. Rows of no current
    library keep None."""
    by_id = {int(r["row_id"]): r for r in rows}
    for row in rows:
        row.setdefault("section_id", None)
    playing = [r for r in rows if _is_int(r.get("reference_id"))]
    for expected in (True, False):
        for section_id, section_type in libraries:
            references = sorted(
                {
                    int(r["reference_id"])
                    for r in playing
                    if r["section_id"] is None and _expected_in(section_type, r) == expected
                }
            )
            if references:
                _find_in_section(client, section_id, references, by_id)


def _find_in_section(
    client: TautulliClient, section_id: int, references: list[int], by_id: dict[int, dict]
) -> None:
    """Mark the rows of ``by_id`` that the plays ``references`` have in library ``section_id``."""
    start = 0
    while True:
        page = client.get_history(
            start, max(len(by_id), 100) * 2, section_id=section_id, reference_ids=references
        )
        for found in page.rows:
            row = by_id.get(int(found.get("row_id") or 0))
            if row is not None:
                row["section_id"] = section_id
        start += len(page.rows)
        if not page.rows or start >= page.total:
            break
