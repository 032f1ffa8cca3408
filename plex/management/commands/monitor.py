"""``manage.py monitor``: watch every active Plex server until stopped (SIGINT/SIGTERM)."""

import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from plex.env_server import ensure_env_server
from plex.monitor import Monitor

logger = logging.getLogger("plex.monitor")


class Command(BaseCommand):
    help = (
        "Watch the configured Plex servers (websocket + reconciling poll) and write their plays "
        "to history. PLEX_URL/PLEX_TOKEN in the environment configure the first server."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reload",
            type=float,
            default=30.0,
            help="Seconds between checks for servers added or changed in the admin (default 30).",
        )

    def handle(self, *args, reload, **options):
        try:
            server = ensure_env_server()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if server is not None:
            self.stdout.write(f"Server from PLEX_URL: {server.name} ({server.url})")
        monitor = Monitor(reload_seconds=reload)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: monitor.stop())
        self.stdout.write("Monitoring Plex servers (Ctrl-C to stop).")
        monitor.run_forever()
        self.stdout.write("Monitor stopped.")
