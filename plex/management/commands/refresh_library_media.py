"""``manage.py refresh_library_media [--server ID|NAME]``: refresh the inventory of movies,
episodes and tracks now (see :func:`plex.library_media.refresh_library_media`)."""

from django.core.management.base import BaseCommand, CommandError

from plex.library_media import refresh_library_media
from servers.models import Server


class Command(BaseCommand):
    help = "Read every library's movies, episodes and tracks from Plex (for library growth)."

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
        summary = refresh_library_media(target)
        if summary["errors"]:
            raise CommandError("; ".join(summary["errors"]))
        self.stdout.write(
            f"{summary['items']} items on {summary['servers']} server(s); "
            f"{summary['deleted']} removed items deleted."
        )
