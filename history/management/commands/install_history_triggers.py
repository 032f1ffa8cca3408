"""Recreate the history tables' triggers (:mod:`history.triggers`) and queue every play, and on
SQLite the search index with its triggers (:mod:`history.search_index`): the fix for the system
checks ``history.E001`` and ``history.E002``."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from history import search_index
from history.triggers import install_triggers, missing_triggers, queue_every_play


class Command(BaseCommand):
    help = (
        "Recreate the triggers that queue changed plays (history.triggers) and queue every play, "
        "so the next read of the plays recomputes them all; on SQLite, rebuild the search index."
    )
    requires_system_checks = []  # it repairs what the history.E001 check reports

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        connection = connections[database]
        missing = missing_triggers(connection) + search_index.missing_triggers(connection)
        with transaction.atomic(using=database):
            install_triggers(connection)
            queue_every_play(connection)
            search_index.install_search_index(connection)  # SQLite: triggers, index rebuilt
        self.stdout.write(
            f"History triggers installed (missing before: {', '.join(missing) or 'none'}); "
            "every play is queued for recomputing."
        )
