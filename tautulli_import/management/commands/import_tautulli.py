"""``manage.py import_tautulli PATH``: import a Tautulli database (see the tautulli_import app)."""

from django.core.management.base import BaseCommand, CommandError

from tautulli_import.config_import import import_config
from tautulli_import.errors import TautulliImportError
from tautulli_import.importer import import_tautulli
from tautulli_import.tables import CACHE_TABLES


class Command(BaseCommand):
    help = (
        "Import a Tautulli database (tautulli.db, v2.x): users, libraries, history (with its "
        "metadata and media info, keeping Tautulli's ids and grouping), notifiers and their "
        "triggers, notification log, newsletters and their log, recently added, mobile devices, "
        "web logins, live sessions and sessions_continued, all attached to one server. The file "
        "is opened read-only and never changed. The whole import is one transaction; running it "
        "again adds only rows that are new in the source. Not imported: "
        + ", ".join(t for t in CACHE_TABLES if t != "version_info" and not t.startswith("sqlite"))
        + " (caches and exports, rebuilt on demand; version_info is recorded). History ids are "
        "kept unless already used, then offset (the command says which and why); the demo's "
        "scripted plays are removed first. Exit status 2 when the file is missing, corrupt, not "
        "a Tautulli database, lacks the history columns a play needs, or names no server "
        "(no library_sections: give --server)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Path of tautulli.db")
        parser.add_argument(
            "--config",
            metavar="PATH",
            help="Also (or only) import Tautulli's config.ini: its PMS URL and token (the "
            "server is created or updated), API key and monitoring/notification settings. "
            "Applied before the database.",
        )
        parser.add_argument(
            "--server",
            metavar="NAME",
            help="Attach everything to the server of this name (created if missing) instead "
            "of the one whose machine identifier is library_sections.server_id; required when "
            "the database has no library_sections.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be imported (rows per table) and write nothing.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows per batch (default 5000)."
        )

    def handle(
        self, *args, path, config=None, server=None, dry_run=False, batch_size=5000, **options
    ):
        verbosity = options.get("verbosity", 1)
        if not path and not config:
            raise CommandError("Give the path of tautulli.db, or --config PATH, or both.")
        if config:
            if dry_run:
                raise CommandError("--dry-run applies to the database only; drop --config.")
            self._import_config(config)
        if not path:
            return
        report = self.stdout.write if verbosity >= 1 else None
        try:
            result = import_tautulli(
                path, server_name=server, dry_run=dry_run, batch_size=batch_size, report=report
            )
        except TautulliImportError as exc:
            raise CommandError(str(exc), returncode=exc.exit_status) from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        created = " (created)" if result.server_created else ""
        placeholders = len(result.placeholder_user_ids)
        if result.demo_plays_removed:
            verb = "would remove" if dry_run else "removed"
            self.stdout.write(
                f"Demo: {verb} its {result.demo_plays_removed:,} scripted plays first, so they "
                "take none of the imported ids and count in no statistics."
            )
        for line in result.id_report:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(
                f"Dry run: would add {result.added:,} rows to server "
                f"'{result.server.name}'{created}; nothing was written."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.added:,} rows into server '{result.server.name}'{created}"
                f" ({placeholders} placeholder users)."
            )
        )
        if not result.server.url:
            identifier = result.server.machine_identifier or "unknown"
            self.stdout.write(
                f"Server '{result.server.name}' (machine identifier {identifier}) has no URL "
                "yet: enter its URL and token under Plex › Servers, or add the server (admin or "
                "PLEX_URL): a server reporting the same machine identifier joins this one. Its "
                "imported live streams stay hidden until then."
            )

    def _import_config(self, config: str) -> None:
        try:
            result = import_config(config)
        except TautulliImportError as exc:
            raise CommandError(str(exc), returncode=exc.exit_status) from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.server is not None:
            verb = "created" if result.server_created else "updated"
            self.stdout.write(f"Config: server '{result.server.name}' {verb} (URL and token).")
        if result.settings:
            self.stdout.write("Config: settings imported: " + ", ".join(result.settings) + ".")
        if result.api_key:
            self.stdout.write("Config: the API key is now the imported one.")
