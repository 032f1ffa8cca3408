"""``manage.py move_database --to postgres://user:password@host:5432/name [--force]``.

Moves this SQLite install into an empty PostgreSQL database (:mod:`core.dbmove`): migrates it,
copies every table in one transaction, verifies each table (row count and checksum) and prints
the ``DATABASE_URL=...`` line to use next. Exits 1 with one line when it refuses or fails (the
target is then left as it was).
"""

import logging

from django.core.management.base import BaseCommand, CommandError

from core.dbmove import BATCH_SIZE, MoveError, masked, move_database, target_database_url

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Move this SQLite database into an empty PostgreSQL database (migrated, copied, "
        "verified), then print the DATABASE_URL to use."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", required=True, metavar="URL", help="postgres://user:password@host:5432/name"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the contents of a target database that is not empty",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"rows per batch ({BATCH_SIZE})"
        )

    def handle(self, *args, to, force, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        verbose = options["verbosity"] >= 1

        def progress(line: str) -> None:
            if verbose:
                self.stdout.write(line)

        logger.info("moving the database to %s", masked(to))
        try:
            result = move_database(to, force=force, batch_size=batch_size, progress=progress)
        except MoveError as exc:
            logger.warning("move_database refused or failed: %s", exc)
            raise CommandError(str(exc)) from None
        if verbose:
            self.stdout.write(
                f"moved {len(result.tables)} tables, {result.rows} rows in {result.seconds:.1f} s; "
                f"every table verified (row count and checksum: {result.checked_in_sql} computed "
                f"by PostgreSQL, {len(result.tables) - result.checked_in_sql} read back); "
                f"{result.sequences} sequences "
                f"aligned; {len(result.triggers)} triggers in force; triggers and FK checks off "
                f"during the copy by {result.trigger_method}"
            )
            if result.left_behind:
                self.stdout.write(
                    "not moved (SQLite only, PostgreSQL has its own): "
                    + ", ".join(result.left_behind)
                )
            self.stdout.write("Set this and restart the server:")
        logger.info("moved the database to %s", masked(to))
        self.stdout.write(target_database_url(to))
