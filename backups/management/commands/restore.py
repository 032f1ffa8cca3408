"""``manage.py restore FILE [--force] [--config]``: restore a backup made by ``manage.py
backup`` (or the admin, the schedule, the API).

A database backup goes into the configured database, which must be empty (no row in the
project's data tables) unless ``--force``, then ``migrate`` runs. SQLite: the database file is
replaced atomically; stop the server, its scheduler (qcluster) and its monitor first.
PostgreSQL: one transaction (``pg_restore --clean --if-exists --single-transaction``).
With ``--config`` a configuration backup is restored into DATA_DIR (an existing different
secret key is replaced only with ``--force``). Exits 1 with one line on failure."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from backups.service import BackupError, restore_config, restore_database


class Command(BaseCommand):
    help = "Restore a database backup into the configured (empty) database, or with --config a configuration backup into DATA_DIR."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")
        parser.add_argument(
            "--force", action="store_true", help="replace a database (or files) holding data"
        )
        parser.add_argument("--config", action="store_true", help="FILE is a configuration backup")

    def handle(self, *args, file, force=False, config=False, **options):
        path = Path(file)
        try:
            if config:
                written = restore_config(path, force=force)
                self.stdout.write(
                    f"Configuration restored into DATA_DIR: {', '.join(written) or 'nothing'}."
                )
                return
            if connection.vendor == "sqlite":
                self.stdout.write(
                    "SQLite: the server, qcluster and monitor must be stopped during a restore."
                )
            restore_database(path, force=force)
        except BackupError as exc:
            raise CommandError(f"Restore refused: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise CommandError(f"Restore failed: {' '.join(str(exc).split())}") from None
        self.stdout.write(f"Database restored from {path.name} and migrated.")
