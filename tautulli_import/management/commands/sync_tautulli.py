"""``manage.py sync_tautulli [--connection NAME]``: sync from running Tautulli instances."""

from django.core.management.base import BaseCommand, CommandError

from tautulli_import.models import TautulliConnection
from tautulli_import.remote.sync import sync_connection


class Command(BaseCommand):
    help = (
        "Read users, libraries and new history from each active Tautulli connection (Tautulli "
        "admin › Tautulli connections) through its /api/v2 and write them as the file import "
        "does, keeping Tautulli's ids. Incremental: only history after the last row seen is "
        "read; each page is committed on its own, so a failure keeps what was written and the "
        "next run resumes. Exit status 1, with one line per failed connection, when any fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--connection",
            metavar="NAME",
            help="Sync only the connection of this name (even if inactive).",
        )

    def handle(self, *args, connection=None, **options):
        connections = TautulliConnection.objects.all()
        if connection:
            connections = connections.filter(name=connection)
            if not connections:
                raise CommandError(f"no Tautulli connection named {connection!r}")
        else:
            connections = connections.filter(active=True)
            if not connections:
                self.stdout.write("No active Tautulli connection.")
                return
        failures = []
        for conn in connections:
            result = sync_connection(conn)
            if result.error:
                failures.append(f"{conn.name}: {result.error}")
                continue
            counts = ", ".join(f"{name} {n}" for name, n in result.counts.items() if n)
            self.stdout.write(f"{conn.name}: {result.added} rows added ({counts or 'nothing new'})")
        if failures:
            raise CommandError("; ".join(failures))
