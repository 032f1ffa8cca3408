"""PLEX_URL / PLEX_TOKEN configure the server that ``manage.py monitor`` watches; a PMS already
known by its machine identifier (e.g. imported from Tautulli) is joined, not added twice."""

import socket

import pytest
from django.core.management import CommandError, call_command
from model_bakery import baker

from plex.env_server import ensure_env_server
from plex.testing import FakePlexServer
from servers.models import Server

pytestmark = pytest.mark.django_db

TOKEN = "env-token-0123456789"


def closed_port_url() -> str:
    """A loopback URL nothing listens on: PMS down, its identity unknown."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN, name="Attic PMS", machine_identifier="attic123") as fake:
        yield fake


def test_plex_url_and_token_create_then_update_the_first_server():
    first, second = closed_port_url(), closed_port_url()
    server = ensure_env_server({"PLEX_URL": first + "/", "PLEX_TOKEN": "t1"})
    assert (server.url, server.token, server.is_active) == (first, "t1", True)
    again = ensure_env_server({"PLEX_URL": second, "PLEX_TOKEN": ""})
    assert again.pk == server.pk and again.url == second
    assert again.token == "t1"  # an empty PLEX_TOKEN keeps the stored one
    assert Server.objects.count() == 1
    assert ensure_env_server({}) is None


def test_the_demo_server_is_never_taken_over():
    from plex.demo import DEMO_MACHINE_IDENTIFIER

    demo = Server.objects.create(
        name="Demo", url="http://127.0.0.1:32499", machine_identifier=DEMO_MACHINE_IDENTIFIER
    )
    server = ensure_env_server({"PLEX_URL": closed_port_url(), "PLEX_TOKEN": "t"})
    assert server.pk != demo.pk


def test_plex_url_of_an_imported_server_fills_in_that_server(pms):
    other = baker.make(Server, name="Other", url="", machine_identifier="other456")
    imported = baker.make(Server, name="Imported", url="", machine_identifier="attic123")
    server = ensure_env_server({"PLEX_URL": pms.url, "PLEX_TOKEN": TOKEN})
    assert server.pk == imported.pk and Server.objects.count() == 2
    imported.refresh_from_db()
    assert (imported.url, imported.token, imported.name) == (pms.url, TOKEN, "Imported")
    assert imported.version and imported.platform == "Linux"
    other.refresh_from_db()
    assert other.url == ""


def test_plex_url_of_a_new_pms_adds_it_with_its_identity(pms):
    baker.make(Server, name="Imported", url="", machine_identifier="someone-else")
    server = ensure_env_server({"PLEX_URL": pms.url, "PLEX_TOKEN": TOKEN})
    assert (server.name, server.machine_identifier) == ("Attic PMS", "attic123")
    assert Server.objects.count() == 2


def test_the_monitor_command_rejects_a_bad_plex_url_in_one_line(monkeypatch):
    monkeypatch.setenv("PLEX_URL", "nas:32400")
    with pytest.raises(CommandError, match="PLEX_URL must start with http:// or https://"):
        call_command("monitor")
