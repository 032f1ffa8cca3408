"""The server admin keeps one row per PMS: adding a server whose machine identifier is already
known fills in that row; servers without a URL (imported) are prompted for one."""

import socket

import pytest
from django.contrib.messages import get_messages
from model_bakery import baker

from plex.testing import FakePlexServer
from servers.models import Server

pytestmark = pytest.mark.django_db

TOKEN = "admin-token-0123456789"
ADD = "/admin/plex/server/add/"


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN, name="Den PMS", machine_identifier="den789") as fake:
        yield fake


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_adding_a_new_pms_stores_its_identity(admin_client, pms):
    data = {"name": "Den", "url": pms.url, "token": TOKEN, "is_active": "on"}
    response = admin_client.post(ADD, data)
    assert response.status_code == 302
    server = Server.objects.get()
    assert (server.name, server.machine_identifier, server.token) == ("Den", "den789", TOKEN)


def test_adding_the_pms_of_an_imported_server_joins_it(admin_client, pms):
    imported = baker.make(Server, name="Plex Media Server", url="", machine_identifier="den789")
    data = {"name": "Den", "url": pms.url, "token": TOKEN, "is_active": "on"}
    response = admin_client.post(ADD, data)
    assert response.url == f"/admin/plex/server/{imported.pk}/change/"
    assert any("no second server was created" in m for m in messages_of(response))
    assert list(Server.objects.values_list("pk", "name", "url")) == [(imported.pk, "Den", pms.url)]


def test_an_unreachable_server_is_added_with_a_warning_when_one_lacks_a_url(admin_client):
    baker.make(Server, name="Imported", url="", machine_identifier="den789")
    data = {"name": "Den", "url": closed_port_url(), "token": TOKEN, "is_active": "on"}
    response = admin_client.post(ADD, data)
    assert Server.objects.count() == 2
    assert any("enter this URL and token on that server" in m for m in messages_of(response))


def test_servers_without_url_are_prompted_for_one(admin_client):
    imported = baker.make(Server, name="Imported", url="", machine_identifier="den789")
    baker.make(Server, name="Configured", url="http://10.0.0.2:32400")
    page = admin_client.get("/admin/plex/server/").content.decode()
    assert page.count("has no URL") == 1 and "“Imported” has no URL" in page
    change = admin_client.get(f"/admin/plex/server/{imported.pk}/change/").content.decode()
    assert "“Imported” has no URL" in change
