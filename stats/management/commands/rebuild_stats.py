"""``manage.py rebuild_stats``: recompute the statistics rollups from history."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from stats.media_stats import rebuild_media_stats
from stats.models import DailyPlays, MediaWatchStats
from stats.rollup import rebuild_rollup, rollup_is_current


class Command(BaseCommand):
    help = (
        "Recompute the daily statistics rollups (graphs, home stats) and every library item's "
        "watch statistics from the watch history. "
        "They are kept current automatically; run this after editing history outside the app "
        "with its triggers disabled, or to check the figures."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="only when the rollups were never built or TIME_ZONE changed (start-up scripts "
            "run this, so that the first page after an upgrade does not build them)",
        )

    def handle(self, *args, **options):
        if options["if_needed"] and rollup_is_current():
            return
        started = time.monotonic()
        try:
            rebuild_rollup()
            rebuild_media_stats()
        except DatabaseError as exc:
            raise CommandError(f"Rebuilding the statistics failed: {exc}") from exc
        self.stdout.write(
            f"Statistics rebuilt: {DailyPlays.objects.count()} daily rows, "
            f"{MediaWatchStats.unsynced.count()} items' watch statistics "
            f"in {time.monotonic() - started:.1f} s"
        )
