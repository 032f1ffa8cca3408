"""Derived tables that are up to date whenever they are read.

Some tables are derived from others and kept current by a *sync* function that works a queue
filled by database triggers: history's play groups (``history.grouping.sync_groups``), the
statistics rollups (``stats.rollup.sync_rollup``). Their models declare

    objects = FreshManager("history.grouping.sync_groups")
    unsynced = UnsyncedManager()

so that every queryset taken from ``objects`` has run the sync first: readers never call it by
hand. The sync runs when the queryset is *made* (``Model.objects.filter(...)``), so a queryset
kept for later, or a subquery, is up to date as of when it was built. The code that maintains the
table (the sync itself, rebuilds) reads and writes through ``unsynced``, which does not sync.

A sync is cheap when nothing changed (an indexed ``EXISTS`` or three), but a page reading
thirteen graphs would pay it thirteen times. Within :func:`fresh_reads` — the /api/v2 dispatcher
opens one per command, the admin's statistics pages one per page — each sync runs at most once.
Outside one, every read syncs. Writers (the importer, ``rebuild_stats``, the every-minute task,
``delete_history``) keep calling the sync functions themselves: those always run.

Nothing here knows the tables: a manager names its sync function by dotted path (resolved on
first use, so that a model need not import the module that maintains it).
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.utils.module_loading import import_string

from .locks import try_lock

# The sync functions (dotted paths) already run in the current read scope; None outside one.
_synced: ContextVar[set[str] | None] = ContextVar("core_freshness_synced", default=None)
_functions: dict[str, Callable[[], None]] = {}
# True while a sync runs for a reader (ensure_fresh), not for a writer.
_reading: ContextVar[bool] = ContextVar("core_freshness_reading", default=False)


@contextmanager
def fresh_reads():
    """A read scope (a context manager, or a decorator): within it, each sync function runs at
    most once, on the first read of a table it maintains. Scopes nest: an inner one is the
    outer one.

    For one request or one page: history written inside the scope *after* a table was synced
    is not seen by later reads of that table in the scope, unless the writer syncs (writers
    do, and their explicit calls always run).
    """
    if _synced.get() is not None:
        yield
        return
    token = _synced.set(set())
    try:
        yield
    finally:
        _synced.reset(token)


def ensure_fresh(sync: str, covers: Iterable[str] = ()) -> None:
    """Run the sync function ``sync`` (a dotted path) unless it already ran in the current read
    scope; ``covers``: the dotted paths of syncs that ``sync`` runs itself (they count as run).

    Outside a read scope it always runs (a sync that finds work lets it go when another reader
    already does it, :func:`sync_lock`). If it raises, it counts as not run.
    """
    synced = _synced.get()
    done = (sync, *covers)
    if synced is not None:
        if sync in synced:
            return
        synced.update(done)  # before running: a read made by the sync itself does not recurse
    token = _reading.set(True)
    try:
        _function(sync)()
    except BaseException:
        if synced is not None:
            synced.difference_update(done)
        raise
    finally:
        _reading.reset(token)


@contextmanager
def sync_lock(name: str):
    """Where a sync function starts its work (it found something to do): yields True to go on.

    Called by a reader (through :func:`ensure_fresh`), it yields False at once when another
    reader, thread or process, holds the lock ``name`` (:func:`core.locks.try_lock`): the read
    then sees the table as it is, at most that sync behind, instead of waiting for it. Called by
    a writer (the importer, the every-minute task), it always yields True and takes no lock:
    writers wait for each other on the database's own locks.
    """
    if not _reading.get():
        yield True
        return
    with try_lock(name) as taken:
        yield taken


def _function(path: str) -> Callable[[], None]:
    function = _functions.get(path)
    if function is None:
        function = _functions[path] = import_string(path)
    return function


class FreshManager(models.Manager):
    """The manager of a derived table: :meth:`get_queryset` first brings the table up to date
    (:func:`ensure_fresh`, once per read scope).

    ``sync``: dotted path of the function that brings it up to date (no argument); ``covers``:
    dotted paths of the syncs that one runs itself. Declare it first, as ``objects`` (the
    model's default manager, so that migrations see a plain manager), and an ``unsynced``
    :class:`UnsyncedManager` for the code that maintains the table.
    """

    def __init__(self, sync: str, *, covers: tuple[str, ...] = ()):
        super().__init__()
        self.sync = sync
        self.covers = tuple(covers)

    def get_queryset(self) -> models.QuerySet:
        """All rows, after the table was brought up to date (at most once per read scope)."""
        ensure_fresh(self.sync, self.covers)
        return super().get_queryset()


class UnsyncedManager(models.Manager):
    """A plain manager: the derived table as stored, for the code that maintains it (a sync
    that read through :class:`FreshManager` would start itself again)."""
