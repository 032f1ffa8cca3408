"""Recreate the history tables' triggers (:mod:`history.triggers`) and queue every play: the fix
for the system check ``history.E001``."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from history.triggers import install_triggers, missing_triggers, queue_every_play


class Command(BaseCommand):
    help = (
        "Recreate the triggers that queue changed plays (history.triggers) and queue every play, "
        "so the next read of the plays recomputes them all."
    )
    requires_system_checks = []  # it repairs what the history.E001 check reports

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        connection = connections[database]
        missing = missing_triggers(connection)
        with transaction.atomic(using=database):
            install_triggers(connection)
            queue_every_play(connection)
        self.stdout.write(
            f"History triggers installed (missing before: {', '.join(missing) or 'none'}); "
            "every play is queued for recomputing."
        )
