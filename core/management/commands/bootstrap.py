"""``manage.py bootstrap``: first-start set-up for the run script.

Creates the admin account on first start (printing its generated password once), makes sure the
API key exists, and prints where to go.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from core.models import ApiKey


class Command(BaseCommand):
    help = "Create the admin account (first start only) and print the admin URL and API key."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8181")

    def handle(self, *args, username, url, **options):
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(f"Admin account created: {username} / {password}  (shown once)")
        else:
            self.stdout.write("Admin account exists (manage.py changepassword to reset it).")
        self.stdout.write(f"Admin:   {url}/admin/")
        self.stdout.write(f"API key: {ApiKey.current()}   ({url}/api/v2?apikey=...&cmd=...)")
        self.stdout.write(f"REST:    {url}/api/docs")
