"""The health report: one django-health-check check per item, run in the request's thread.

django-health-check (4.x) gives the check classes and their outcome: a check's ``run()`` returns
when healthy, raises ``ServiceWarning`` when degraded but working, ``ServiceUnavailable`` when
not working. The library's own :class:`health_check.checks.Database` and
:class:`health_check.checks.Cache` are used as they are; the others are ours
(:class:`DatabaseSize`, :class:`DiskSpace`, :class:`TaskCluster`, :class:`TaskQueue`,
:class:`PlexMonitor`, :class:`LastBackup`). Each of ours also fills ``details`` (JSON-ready
values the report shows).

:func:`run_checks` runs them one after the other in the calling thread, not through the
library's asyncio view: the checks read the database through the request's connection (the
library would run them in executor threads, each opening a connection of its own).

Thresholds: disk free below :data:`DISK_FREE_WARNING` (5 %) warns; no django-q2 cluster
heartbeat is unavailable; failed tasks in the last 24 h warn; a monitor heartbeat older than
three reload periods is unavailable; a server whose websocket is closed warns; the last database
backup older than :data:`BACKUP_MAX_AGE` (2 days), failed, or failing its verification warns,
and none at all warns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import shutil
import time
from pathlib import Path

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable, ServiceWarning

from backups.models import Backup
from plex.monitor import read_heartbeat
from servers.models import Server

DISK_FREE_WARNING = 0.05  # share of DATA_DIR's disk free under which the report warns
BACKUP_MAX_AGE = dt.timedelta(days=2)
FAILURE_WINDOW = dt.timedelta(hours=24)


@dataclasses.dataclass
class Detailed(HealthCheck):
    """A check that also reports values (``details``, set by ``run``)."""

    details: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)


@dataclasses.dataclass
class DatabaseSize(Detailed):
    """The database's engine and size in bytes (the SQLite file with its WAL, or
    ``pg_database_size``)."""

    def run(self):
        self.details["engine"] = connection.vendor
        if connection.vendor == "sqlite":
            name = Path(str(connection.settings_dict["NAME"]))
            files = [name, Path(f"{name}-wal")]
            self.details["size"] = sum(f.stat().st_size for f in files if f.exists())
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_database_size(current_database())")
                self.details["size"] = cursor.fetchone()[0]


@dataclasses.dataclass
class DiskSpace(Detailed):
    """Free space of the disk holding ``DATA_DIR`` (``shutil.disk_usage``)."""

    def run(self):
        usage = shutil.disk_usage(settings.DATA_DIR)
        self.details.update(path=str(settings.DATA_DIR), total=usage.total, free=usage.free)
        if usage.total and usage.free / usage.total < DISK_FREE_WARNING:
            raise ServiceWarning(f"only {usage.free * 100 // usage.total} % of the disk is free")


@dataclasses.dataclass
class TaskCluster(Detailed):
    """The django-q2 cluster (``manage.py qcluster``) is running: its heartbeats, the
    ``Stat`` each cluster saves every few seconds through the broker
    (``django_q.status.Stat.get_all``)."""

    def run(self):
        from django_q.status import Stat

        clusters = Stat.get_all()
        self.details["clusters"] = [
            {
                "cluster_id": str(stat.cluster_id),
                "host": stat.host,
                "status": stat.status,
                "workers": len(stat.workers),
                "uptime": round(stat.uptime()) if stat.tob else None,
            }
            for stat in clusters
        ]
        if not clusters:
            raise ServiceUnavailable("no django-q2 cluster is running (manage.py qcluster)")


@dataclasses.dataclass
class TaskQueue(Detailed):
    """Tasks waiting in the broker, and tasks failed in the last 24 h (django_q's models)."""

    def run(self):
        from django_q.brokers import get_broker
        from django_q.models import Failure

        since = timezone.now() - FAILURE_WINDOW
        failed = Failure.objects.filter(stopped__gte=since)
        self.details["queued"] = get_broker().queue_size() or 0
        self.details["failed_24h"] = failed.count()
        self.details["last_failures"] = [
            {"name": task.name, "func": task.func, "stopped": task.stopped.isoformat()}
            for task in failed.order_by("-stopped")[:5]
        ]
        if self.details["failed_24h"]:
            raise ServiceWarning(f"{self.details['failed_24h']} task(s) failed in the last 24 h")


@dataclasses.dataclass
class PlexMonitor(Detailed):
    """The monitor (``manage.py monitor``) is alive (its heartbeat, :mod:`plex.monitor`), and
    each active server's websocket state and last contact (the heartbeat's last websocket
    message, else the server row's ``last_contact_at``)."""

    def run(self):
        servers = list(Server.objects.filter(is_active=True).exclude(url="").order_by("id"))
        beat = read_heartbeat()
        now = time.time()
        threads = (beat or {}).get("servers", {})
        rows = []
        for server in servers:
            thread = threads.get(str(server.pk), {})
            last = thread.get("last_message")
            if last is None and server.last_contact_at:
                last = server.last_contact_at.timestamp()
            rows.append(
                {
                    "id": server.pk,
                    "name": server.name,
                    "reachable": server.connected,
                    "websocket": bool(thread.get("websocket", False)),
                    "last_contact": (
                        dt.datetime.fromtimestamp(last, dt.UTC).isoformat() if last else None
                    ),
                    "last_error": server.last_error if server.connected is False else "",
                }
            )
        self.details["servers"] = rows
        self.details["alive"] = beat is not None
        self.details["heartbeat_age"] = round(now - beat["at"]) if beat else None
        if not servers:
            return
        if beat is None:
            raise ServiceUnavailable("the monitor is not running (manage.py monitor)")
        closed = [row["name"] for row in rows if not row["websocket"]]
        if closed:
            raise ServiceWarning("websocket closed: " + ", ".join(closed))


def _last_backup(kind: str = Backup.DATABASE) -> Backup | None:
    """``backups.status.last_backup`` (the backups app's contract); until that module exists,
    the latest row of that kind."""
    try:
        from backups.status import last_backup
    except ImportError:
        return Backup.objects.filter(kind=kind).order_by("-started_at", "-id").first()
    return last_backup(kind=kind)


@dataclasses.dataclass
class LastBackup(Detailed):
    """The last database backup: its age, size and verification."""

    def run(self):
        backup = _last_backup()
        if backup is None:
            self.details["backup"] = None
            raise ServiceWarning("no database backup yet")
        when = backup.finished_at or backup.started_at
        age = timezone.now() - when
        self.details["backup"] = {
            "file_name": backup.file_name,
            "finished_at": when.isoformat(),
            "age": int(age.total_seconds()),
            "size": backup.size,
            "verified": backup.verified,
            "error": backup.error,
        }
        if backup.error:
            raise ServiceWarning("the last backup failed")
        if backup.verified is False:
            raise ServiceWarning("the last backup failed its verification")
        if age > BACKUP_MAX_AGE:
            raise ServiceWarning(f"the last backup is {age.days} days old")


# (key, label, check) in report order.
CHECKS = (
    ("database", "Database", Database),
    ("database_size", "Database engine and size", DatabaseSize),
    ("cache", "Cache", Cache),
    ("disk", "Disk space (DATA_DIR)", DiskSpace),
    ("task_cluster", "Task cluster (django-q2)", TaskCluster),
    ("task_queue", "Task queue", TaskQueue),
    ("monitor", "Plex monitor", PlexMonitor),
    ("backup", "Last database backup", LastBackup),
)


@dataclasses.dataclass
class Result:
    key: str
    label: str
    status: str  # "ok", "warning" or "error"
    message: str
    details: dict
    time_taken: float  # s

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def run_check(key: str, label: str, check: HealthCheck) -> Result:
    """Run ``check`` here (see the module doc), as django-health-check's ``get_result`` judges
    it: an unexpected exception is an error whose text is not shown."""
    start = time.monotonic()
    status, message = "ok", "OK"
    try:
        if inspect.iscoroutinefunction(check.run):  # the library's Cache check
            async_to_sync(check.run)()
        else:
            check.run()
    except ServiceWarning as exc:
        status, message = "warning", exc.message
    except HealthCheckException as exc:
        status, message = "error", exc.message
    except Exception:  # noqa: BLE001 - reported as the library does: no internals shown
        import logging

        logging.getLogger(__name__).exception("Health check %s failed", key)
        status, message = "error", "unexpected error (see the log)"
    details = getattr(check, "details", {})
    return Result(key, label, status, message, details, round(time.monotonic() - start, 4))


def run_checks() -> list[Result]:
    """Every check of :data:`CHECKS`, in order."""
    return [run_check(key, label, factory()) for key, label, factory in CHECKS]


def overall(results: list[Result]) -> str:
    """``"error"`` when a check failed, else ``"warning"`` when one warned, else ``"ok"``."""
    statuses = {result.status for result in results}
    return "error" if "error" in statuses else "warning" if "warning" in statuses else "ok"
