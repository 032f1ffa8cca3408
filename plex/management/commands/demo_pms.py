"""``manage.py demo_pms``: a fake Plex Media Server with scripted viewers (see :mod:`plex.demo`)."""

import os
import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plex import demo


class Command(BaseCommand):
    help = (
        "Run a fake Plex Media Server on loopback whose scripted viewers play, pause and stop "
        "in a 10-minute loop, and register it as the server "
        f"“{demo.DEMO_NAME}” so the monitor (manage.py monitor) records its activity."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=demo.DEMO_PORT, help="Port (default 32499)."
        )
        parser.add_argument(
            "--auto",
            action="store_true",
            help=(
                "Start only when no Plex server is configured and PLEX_URL/PLEX_TOKEN are unset; "
                "otherwise remove the demo server and what it recorded, and exit (scripts/run "
                "uses this)."
            ),
        )
        parser.add_argument(
            "--ready-file",
            help="Create this file once the fake answers and its server row is saved.",
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=None,
            help="Stop after this many seconds (default: run until interrupted).",
        )

    def handle(self, *args, port, auto, ready_file, seconds, **options):
        if auto:
            wanted, reason = demo.demo_wanted(os.environ)
            if not wanted:
                if demo.remove_demo():
                    self.stdout.write(f"Demo server and its scripted plays removed: {reason}.")
                return
        try:
            pms, server = demo.start(port=port)
        except OSError as exc:
            raise CommandError(f"Cannot start the demo Plex server on port {port}: {exc}") from None
        stop = threading.Event()
        previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
            except ValueError:  # not the main thread (tests): rely on --seconds
                pass
        timer = threading.Timer(seconds, stop.set) if seconds is not None else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        self.stdout.write(
            f"Demo Plex server “{server.name}” on {pms.url}: {len(demo.VIEWERS)} scripted "
            f"sessions, a {demo.LOOP_SECONDS // 60}-minute loop. The monitor picks it up within "
            "30 s; watch the admin's Activity page. Ctrl-C to stop."
        )
        if ready_file:
            Path(ready_file).write_text(pms.url)
        try:
            demo.run(pms, stop)
        finally:
            if timer is not None:
                timer.cancel()
            pms.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.stdout.write("Demo Plex server stopped.")
