"""``manage.py refresh_library_media [--server ID|NAME]``: refresh the library inventory now
(see :func:`plex.inventory.refresh_all_inventories`)."""

from django.core.management.base import BaseCommand, CommandError

from plex.inventory import refresh_all_inventories
from servers.models import Server


class Command(BaseCommand):
    help = "Read every library's items from Plex into the inventory (incrementally)."

    def add_arguments(self, parser):
        parser.add_argument("--server", help="Only this server (id or name); default: all active.")

    def handle(self, *args, server=None, **options):
        target = None
        if server:
            servers = Server.objects.filter(name=server)
            if server.isdigit():
                servers = Server.objects.filter(pk=int(server)) | servers
            target = servers.first()
            if target is None:
                raise CommandError(f"No server {server!r}.")
        summary = refresh_all_inventories(target)
        if summary["errors"]:
            raise CommandError("; ".join(summary["errors"]))
        self.stdout.write(
            f"{summary['items']} items on {summary['servers']} server(s); "
            f"{summary['written']} written, {summary['removed']} marked removed, "
            f"{summary['relinked']} re-added items linked."
        )
