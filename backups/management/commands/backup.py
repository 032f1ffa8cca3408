"""``manage.py backup [--config] [--no-verify]``: back up the database (verified) or the
configuration now, into BACKUP_DIR; prints the file, its size and the verification. Exits 1
with one line when the backup failed."""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from backups.service import backup_config, backup_database, backup_path


class Command(BaseCommand):
    help = "Back up the database (verified by a restore into a scratch database) or, with --config, the DATA_DIR secrets."

    def add_arguments(self, parser):
        parser.add_argument(
            "--config", action="store_true", help="back up the configuration (secret key)"
        )
        parser.add_argument(
            "--no-verify", action="store_true", help="skip the verification of a database backup"
        )

    def handle(self, *args, config=False, no_verify=False, **options):
        if config:
            backup = backup_config("command")
        else:
            backup = backup_database("command", verify=not no_verify)
        if backup.error:
            raise CommandError(f"Backup failed: {backup.error}")
        path = backup_path(backup)
        self.stdout.write(
            f"{backup.get_kind_display().capitalize()} backup: {path} "
            f"({filesizeformat(backup.size)}, {backup.duration:.1f} s)"
        )
        if backup.kind == backup.DATABASE and backup.verified is not None:
            verification = backup.verification or {}
            if backup.verified:
                self.stdout.write(
                    f"Verified: integrity ok, {len(verification.get('tables', {}))} tables "
                    "with the source's row counts."
                )
            else:
                raise CommandError(
                    "Verification FAILED: " + "; ".join(verification.get("mismatches", []))
                )
