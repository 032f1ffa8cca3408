"""Backups of the database and of the configuration, their verification, retention and restore.

Public functions:

* :func:`backup_database` — a copy of the configured database in ``BACKUP_DIR``, verified at once
  (:func:`verify_database_backup`); SQLite: the online backup API, gzip
  (``tautulli-database-<UTC>.sqlite3.gz``); PostgreSQL: ``pg_dump --format=custom``
  (``tautulli-database-<UTC>.pgdump``). Every table's row count at the time of the copy is
  recorded (SQLite: read from the copy; PostgreSQL: counted in the REPEATABLE READ snapshot that
  pg_dump dumps, see :mod:`backups.postgres`).
* :func:`backup_config` — ``tautulli-config-<UTC>.tar.gz``: the ``DATA_DIR`` files a restore
  needs (:data:`CONFIG_FILES`: the generated ``secret_key``; the API key is in the database)
  and a ``manifest.json``; never the database, never the backups folder.
* :func:`apply_retention` — the last ``BACKUP_KEEP`` and/or those younger than
  ``BACKUP_KEEP_DAYS`` days are kept; the newest verified backup of a kind is never deleted.
* :func:`restore_database` / :func:`restore_config` — ``manage.py restore``.

Every backup file is written under a temporary name and renamed when complete, with mode 0600
(it holds the Plex tokens, or the secret key). Failures are recorded on the
:class:`~backups.models.Backup` row (``error``, one line), never raised to the caller of
:func:`backup_database` / :func:`backup_config`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import json
import logging
import os
import tarfile
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from core.operations_events import database_corrupt

from . import postgres, sqlite
from .models import Backup

logger = logging.getLogger(__name__)

# The DATA_DIR files a restore needs (tautulli_project/settings.py keeps only the generated
# SECRET_KEY there besides the database, the static files, the caches and the locks).
CONFIG_FILES = ("secret_key",)
MANIFEST = "manifest.json"
# Apps whose rows are not the user's data: a database holding only these is "empty" for restore.
NOT_DATA_APPS = {"core", "backups"}
SQLITE_SUFFIX, POSTGRES_SUFFIX, CONFIG_SUFFIX = ".sqlite3.gz", ".pgdump", ".tar.gz"
GZIP_MAGIC, PGDUMP_MAGIC = b"\x1f\x8b", b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for people."""


# --- places --------------------------------------------------------------------------------


def backup_dir() -> Path:
    """``BACKUP_DIR`` (default ``DATA_DIR/backups``), created with mode 0700."""
    path = Path(getattr(settings, "BACKUP_DIR", Path(settings.DATA_DIR) / "backups"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def backup_path(backup: Backup) -> Path | None:
    """The file of ``backup`` (None when it has none or it is gone). Only the row's
    ``file_name`` is used, and only as a name inside ``BACKUP_DIR``."""
    name = backup.file_name
    if not name or Path(name).name != name or name.startswith("."):
        return None
    path = backup_dir() / name
    return path if path.is_file() else None


def engine(using: str = "default") -> str:
    """``"sqlite"`` or ``"postgresql"`` (the database backends a backup supports)."""
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def _new_file(kind: str, started: dt.datetime, suffix: str) -> Path:
    stamp = started.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = backup_dir()
    for number in range(1, 1000):
        extra = "" if number == 1 else f"-{number}"
        path = folder / f"tautulli-{kind}-{stamp}{extra}{suffix}"
        if not path.exists() and not Backup.objects.filter(file_name=path.name).exists():
            return path
    raise BackupError("too many backups in the same second")


@contextlib.contextmanager
def _writing(path: Path):
    """Yield a temporary path beside ``path``; renamed to ``path`` (mode 0600) when the block
    succeeds, removed otherwise."""
    partial = path.with_name(f".{path.name}.part")
    try:
        yield partial
        partial.chmod(0o600)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


# --- database ------------------------------------------------------------------------------


def _suffix(engine_name: str) -> str:
    return SQLITE_SUFFIX if engine_name == "sqlite" else POSTGRES_SUFFIX


def _write_database(path: Path, using: str) -> dict[str, int]:
    """Copy the database into ``path``; the row counts at the time of the copy."""
    settings_dict = connections[using].settings_dict
    if engine(using) == "sqlite":
        return sqlite.backup(Path(settings_dict["NAME"]), path)
    return postgres.backup(settings_dict, path)


def backup_database(trigger: str = "command", *, verify: bool = True, using: str = "default"):
    """Back up the configured database now; returns the :class:`Backup` row (``error`` set when
    it failed). ``trigger``: schedule, admin, api or command. Verified at once unless
    ``verify`` is False; then retention runs (:func:`apply_retention`)."""
    started, clock = timezone.now(), time.monotonic()
    backup = Backup.objects.create(
        kind=Backup.DATABASE, trigger=trigger, started_at=started, engine=""
    )
    try:
        backup.engine = engine(using)
        path = _new_file(Backup.DATABASE, started, _suffix(backup.engine))
        with _writing(path) as partial:
            counts = _write_database(partial, using)
        backup.file_name, backup.size = path.name, path.stat().st_size
        backup.verification = {"source_counts": counts}
    except Exception as exc:  # noqa: BLE001 - recorded on the row, one line
        backup.error = _one_line(exc)
        logger.error("Database backup failed: %s", backup.error)
    backup.finished_at = timezone.now()
    backup.duration = round(time.monotonic() - clock, 3)
    backup.save()
    if not backup.error:
        logger.info("Database backup %s written (%s bytes).", backup.file_name, backup.size)
        if verify:
            verify_database_backup(backup, using=using, started=clock)
        apply_retention(Backup.DATABASE)
    return backup


def verify_database_backup(backup: Backup, *, using: str = "default", started=None) -> Backup:
    """Restore ``backup`` into a scratch database (SQLite: a temporary file and ``PRAGMA
    integrity_check``; PostgreSQL: ``<name>_verify_<id>``, dropped afterwards), count every
    table and compare with the counts recorded at the time of the copy.

    Stores ``verified`` and ``verification`` = ``{"integrity": "ok" | why, "tables": {table:
    {"source": n, "copy": n}}, "mismatches": [text], "seconds": float}``; a failure sends
    :data:`core.operations_events.database_corrupt` (→ on_plexpydbcorrupt)."""
    clock = time.monotonic()
    source = dict((backup.verification or {}).get("source_counts") or {})
    path = backup_path(backup)
    try:
        if path is None:
            integrity, copy = "the backup file is missing", None
        elif backup.engine == "sqlite":
            integrity, copy = sqlite.verify(path)
        else:
            integrity, copy = postgres.verify(path, connections[using].settings_dict, backup.pk)
    except Exception as exc:  # noqa: BLE001 - a verification that could not run is a failure
        integrity, copy = f"verification failed: {_one_line(exc)}", None
    copy = copy or {}
    tables = {
        name: {"source": source.get(name), "copy": copy.get(name)}
        for name in sorted(set(source) | set(copy))
    }
    mismatches = [
        f"{name}: source {counts['source']}, copy {counts['copy']}"
        for name, counts in tables.items()
        if counts["source"] != counts["copy"]
    ]
    if integrity != "ok":
        mismatches.insert(0, f"integrity: {integrity}")
    backup.verified = not mismatches
    backup.verification = {
        "integrity": integrity,
        "tables": tables,
        "mismatches": mismatches,
        "seconds": round(time.monotonic() - clock, 3),
    }
    backup.finished_at = timezone.now()
    if started is not None:
        backup.duration = round(time.monotonic() - started, 3)
    backup.save(update_fields=["verified", "verification", "finished_at", "duration"])
    if backup.verified:
        logger.info("Database backup %s verified (%d tables).", backup.file_name, len(tables))
    else:
        logger.error(
            "Database backup %s FAILED verification: %s", backup.file_name, "; ".join(mismatches)
        )
        database_corrupt.send(
            sender=Backup, backup_id=backup.pk, file_name=backup.file_name, reasons=mismatches
        )
    return backup


# --- configuration -------------------------------------------------------------------------


def _write_config(path: Path, started: dt.datetime) -> list[str]:
    """Write the configuration archive to ``path``; the DATA_DIR files it holds."""
    data_dir = Path(settings.DATA_DIR)
    files = [name for name in CONFIG_FILES if (data_dir / name).is_file()]
    manifest = {
        "files": files,
        "secret_key_from_environment": bool(os.environ.get("SECRET_KEY")),
        "created_at": started.astimezone(dt.UTC).isoformat(),
    }
    with tarfile.open(path, "w:gz") as archive:
        for name in files:
            archive.add(data_dir / name, arcname=name, recursive=False)
        body = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(started.timestamp()), 0o600
        archive.addfile(info, io.BytesIO(body))
    return files


def backup_config(trigger: str = "command") -> Backup:
    """Archive the ``DATA_DIR`` secrets a restore needs (:data:`CONFIG_FILES`) with a
    ``manifest.json`` (``{"files": [...], "secret_key_from_environment": bool}``: a SECRET_KEY
    set in the environment is not in DATA_DIR, keep it with the backup yourself). Checked by
    reading the archive back (``verified``). Returns the :class:`Backup` row."""
    started, clock = timezone.now(), time.monotonic()
    backup = Backup.objects.create(kind=Backup.CONFIG, trigger=trigger, started_at=started)
    try:
        path = _new_file(Backup.CONFIG, started, CONFIG_SUFFIX)
        with _writing(path) as partial:
            files = _write_config(partial, started)
        backup.file_name, backup.size = path.name, path.stat().st_size
        with tarfile.open(path, "r:gz") as archive:
            names = sorted(archive.getnames())
        backup.verified = names == sorted([*files, MANIFEST])
        backup.verification = {"files": names}
    except Exception as exc:  # noqa: BLE001 - recorded on the row, one line
        backup.error = _one_line(exc)
        logger.error("Config backup failed: %s", backup.error)
    backup.finished_at = timezone.now()
    backup.duration = round(time.monotonic() - clock, 3)
    backup.save()
    if not backup.error:
        logger.info("Config backup %s written (%s bytes).", backup.file_name, backup.size)
        apply_retention(Backup.CONFIG)
    return backup


# --- retention -----------------------------------------------------------------------------


def apply_retention(kind: str, *, now: dt.datetime | None = None) -> list[int]:
    """Delete the backups of ``kind`` (rows and files) that no rule keeps; returns their ids.

    Kept: the newest ``BACKUP_KEEP`` backups with a file (0: this rule off) and those younger
    than ``BACKUP_KEEP_DAYS`` days (0: off), and always the newest verified one. With both
    rules off nothing is deleted. A failed backup (no file) is deleted once older than the
    oldest kept one."""
    keep_count = int(getattr(settings, "BACKUP_KEEP", 7) or 0)
    keep_days = int(getattr(settings, "BACKUP_KEEP_DAYS", 0) or 0)
    if keep_count <= 0 and keep_days <= 0:
        return []
    now = now or timezone.now()
    rows = list(
        Backup.objects.filter(kind=kind).exclude(finished_at=None).order_by("-started_at", "-id")
    )
    with_file = [row for row in rows if row.file_name and not row.error]
    kept = set()
    if keep_count > 0:
        kept.update(row.pk for row in with_file[:keep_count])
    if keep_days > 0:
        limit = now - dt.timedelta(days=keep_days)
        kept.update(row.pk for row in with_file if row.started_at >= limit)
    newest_verified = next((row for row in with_file if row.verified), None)
    if newest_verified is not None:
        kept.add(newest_verified.pk)
    oldest_kept = min((row.started_at for row in with_file if row.pk in kept), default=None)
    doomed = [
        row
        for row in rows
        if row.pk not in kept
        and (row in with_file or oldest_kept is None or row.started_at < oldest_kept)
    ]
    deleted = [row.pk for row in doomed]
    for row in doomed:
        path = backup_path(row)
        if path is not None:
            path.unlink(missing_ok=True)
        row.delete()
    if doomed:
        logger.info("Backup retention: %d %s backup(s) deleted.", len(doomed), kind)
    return deleted


# --- restore -------------------------------------------------------------------------------


def data_tables_with_rows(using: str = "default") -> list[str]:
    """The tables of the project's apps (core's settings and the backups list aside:
    :data:`NOT_DATA_APPS`) that hold at least one row, in the database ``using``."""
    connection = connections[using]
    present = set(connection.introspection.table_names())
    base = Path(settings.BASE_DIR)
    tables = [
        model._meta.db_table
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base)
        and "site-packages" not in config.path
        and config.label not in NOT_DATA_APPS
        for model in config.get_models()
        if model._meta.managed and model._meta.db_table in present
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        found = []
        for table in sorted(set(tables)):
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
            if cursor.fetchone():
                found.append(table)
    return found


def backup_engine_of(path: Path) -> str:
    """``"sqlite"`` for a gzip'd SQLite backup, ``"postgresql"`` for a pg_dump custom archive,
    ``"config"`` for a configuration archive; raises :class:`BackupError` otherwise."""
    with open(path, "rb") as handle:
        head = handle.read(5)
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    if head.startswith(GZIP_MAGIC):
        if tarfile.is_tarfile(path):
            return "config"
        with gzip.open(path, "rb") as packed:
            if packed.read(16) == b"SQLite format 3\x00":
                return "sqlite"
    raise BackupError(f"{path.name} is not a database or configuration backup of this server")


def restore_database(path, *, force: bool = False, migrate: bool = True, using: str = "default"):
    """Restore the database backup ``path`` into the configured database, then ``migrate``.

    Refuses (:class:`BackupError`) a database whose data tables hold a row
    (:func:`data_tables_with_rows`) unless ``force``, and a backup of the other engine.
    SQLite: the database file is replaced atomically (the copy is written beside it, checked,
    then renamed over it): the server, its scheduler and its monitor must be stopped.
    PostgreSQL: ``pg_restore --clean --if-exists --single-transaction`` (all or nothing)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no file {path}")
    kind = backup_engine_of(path)
    current = engine(using)
    if kind == "config":
        raise BackupError(f"{path.name} is a configuration backup: restore it with --config")
    if kind != current:
        raise BackupError(
            f"{path.name} is a {kind} backup but the configured database is {current}"
        )
    if not force:
        busy = data_tables_with_rows(using)
        if busy:
            raise BackupError(
                f"the database is not empty ({len(busy)} tables hold rows, e.g. {busy[0]}): "
                "use --force to replace it"
            )
    connection = connections[using]
    settings_dict = dict(connection.settings_dict)
    connection.close()
    if current == "sqlite":
        sqlite.restore(path, Path(settings_dict["NAME"]))
    else:
        postgres.restore(path, settings_dict)
    connection.close()
    if migrate:
        call_command("migrate", database=using, interactive=False, verbosity=0)


def restore_config(path, *, force: bool = False, data_dir=None) -> list[str]:
    """Restore a configuration backup into ``DATA_DIR``; returns the names written.

    Only :data:`CONFIG_FILES` are taken from the archive. An existing file with other content
    is refused (:class:`BackupError`) unless ``force``. Each file is written beside its place
    and renamed (mode 0600)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no file {path}")
    if backup_engine_of(path) != "config":
        raise BackupError(f"{path.name} is not a configuration backup")
    data_dir = Path(data_dir or settings.DATA_DIR)
    written = []
    with tarfile.open(path, "r:gz") as archive:
        contents = {}
        for name in CONFIG_FILES:
            try:
                member = archive.getmember(name)
            except KeyError:
                continue
            if member.isfile():
                contents[name] = archive.extractfile(member).read()
    for name, body in contents.items():
        target = data_dir / name
        if target.exists() and target.read_bytes() != body and not force:
            raise BackupError(f"{target} exists with other content: use --force to replace it")
    for name, body in contents.items():
        target = data_dir / name
        descriptor, temporary = tempfile.mkstemp(dir=data_dir, prefix=f".{name}-")
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(body)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
        written.append(name)
    return written


def download_copy(kind: str, using: str = "default") -> tuple[Path, str]:
    """A fresh backup of ``kind`` for a download, in a temporary file (mode 0600) that is not
    listed as a backup: ``(path, download name)``; the caller deletes it (and its folder).
    Raises :class:`BackupError` when the copy cannot be made."""
    started = timezone.now()
    stamp = started.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = Path(tempfile.mkdtemp(prefix="tautulli-download-"))
    if kind == Backup.CONFIG:
        name = f"tautulli-config-{stamp}{CONFIG_SUFFIX}"
    else:
        name = f"tautulli-database-{stamp}{_suffix(engine(using))}"
    path = folder / name
    try:
        if kind == Backup.CONFIG:
            _write_config(path, started)
        else:
            _write_database(path, using)
        path.chmod(0o600)
    except Exception as exc:
        remove_download(path)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(_one_line(exc)) from exc
    return path, name


def remove_download(path: Path) -> None:
    """Delete a :func:`download_copy` file and its temporary folder."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
