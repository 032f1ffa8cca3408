"""``manage.py bootstrap``: first-start set-up for the run script.

Creates the admin account on first start (printing its generated password and the API key once,
as the start's output is often kept in a log file), makes sure the API key exists, and prints
where to go: later starts point to the admin page that shows the key. Then sends
:data:`core.operations_events.server_starting` (the features settle what the last run left).
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from core.models import ApiKey
from core.operations_events import server_starting


class Command(BaseCommand):
    help = "Create the admin account (first start only) and print the admin URL (and the API key, once)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8181")

    def handle(self, *args, username, url, **options):
        User = get_user_model()
        first_start = not User.objects.filter(is_superuser=True).exists()
        key = ApiKey.current()  # created here on first start
        if first_start:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(f"Admin account created: {username} / {password}  (shown once)")
            self.stdout.write(f"API key: {key}  (shown once; {url}/api/v2?apikey=...&cmd=...)")
        else:
            self.stdout.write("Admin account exists (manage.py changepassword to reset it).")
            self.stdout.write(f"API key: shown in the admin, {url}/admin/core/apikey/")
        self.stdout.write(f"Admin:   {url}/admin/")
        self.stdout.write(f"REST:    {url}/api/docs")
        server_starting.send(sender=self.__class__)
