"""PLEX_URL / PLEX_TOKEN configure the first server that ``manage.py monitor`` watches."""

import pytest
from django.core.management import CommandError, call_command

from plex.env_server import ensure_env_server
from servers.models import Server

pytestmark = pytest.mark.django_db


def test_plex_url_and_token_create_then_update_the_first_server():
    server = ensure_env_server({"PLEX_URL": "http://192.168.1.10:32400/", "PLEX_TOKEN": "t1"})
    assert (server.url, server.token, server.is_active) == ("http://192.168.1.10:32400", "t1", True)
    again = ensure_env_server({"PLEX_URL": "http://192.168.1.11:32400", "PLEX_TOKEN": ""})
    assert again.pk == server.pk and again.url == "http://192.168.1.11:32400"
    assert again.token == "t1"  # an empty PLEX_TOKEN keeps the stored one
    assert Server.objects.count() == 1
    assert ensure_env_server({}) is None


def test_the_demo_server_is_never_taken_over():
    from plex.demo import DEMO_MACHINE_IDENTIFIER

    demo = Server.objects.create(
        name="Demo", url="http://127.0.0.1:32499", machine_identifier=DEMO_MACHINE_IDENTIFIER
    )
    server = ensure_env_server({"PLEX_URL": "http://nas:32400", "PLEX_TOKEN": "t"})
    assert server.pk != demo.pk


def test_the_monitor_command_rejects_a_bad_plex_url_in_one_line(monkeypatch):
    monkeypatch.setenv("PLEX_URL", "nas:32400")
    with pytest.raises(CommandError, match="PLEX_URL must start with http:// or https://"):
        call_command("monitor")
