"""The admin's "Test connection": plexapi against a real HTTP server on loopback (the fake PMS,
answering with recorded PMS XML), never a patched plexapi."""

import socket

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from model_bakery import baker

from plex import connection
from plex.testing import FakePlexServer
from servers.models import Server

pytestmark = pytest.mark.django_db

TOKEN = "right-token-0123456789"


@pytest.fixture
def pms():
    with FakePlexServer(
        token=TOKEN, name="Living Room PMS", machine_identifier="abc123def"
    ) as fake:
        yield fake


def _closed_port_url() -> str:
    """A loopback URL nothing listens on (a port bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_success_stores_what_the_server_says_about_itself(pms):
    server = baker.make(Server, name="typed by hand", url=pms.url, token=TOKEN, version="")
    result = connection.test_connection(server)
    assert result.ok, result.error
    assert (result.name, result.version, result.machine_identifier, result.platform) == (
        "Living Room PMS",
        "1.20.4.3517-ab5e1197c",  # plex_server_base.xml's version
        "abc123def",
        "Linux",
    )
    server.refresh_from_db()
    assert server.name == "Living Room PMS"
    assert server.version == "1.20.4.3517-ab5e1197c"
    assert server.machine_identifier == "abc123def"
    assert server.platform == "Linux" and server.plexpass is True
    # plexapi really asked the fake, with the token in its header.
    assert [(r.path, r.token) for r in pms.requests] == [("/", TOKEN)]


def test_wrong_token_is_reported_as_unauthorized_and_changes_nothing(pms):
    server = baker.make(Server, name="Mine", url=pms.url, token="wrong", machine_identifier=None)
    result = connection.test_connection(server)
    assert not result.ok
    assert result.error.startswith("Unauthorized") and "401" in result.error
    assert "wrong" not in result.error  # the token is never echoed
    server.refresh_from_db()
    assert server.name == "Mine" and server.machine_identifier is None


def test_server_down_is_reported_as_unreachable():
    result = connection.probe(_closed_port_url(), TOKEN, timeout=2)
    assert not result.ok and result.error.startswith("Unreachable")


def test_slow_server_is_reported_as_a_timeout(pms):
    pms.route("/", pms.root_xml, delay=1.5)
    result = connection.probe(pms.url, TOKEN, timeout=0.3)
    assert not result.ok and result.error.startswith("Timeout")


@pytest.mark.parametrize("body", ["<html>not plex", "<MediaContainer size='0'/>", ""])
def test_an_answer_that_is_not_plex_xml_is_reported_as_bad_xml(pms, body):
    pms.route("/", body)
    result = connection.probe(pms.url, TOKEN)
    assert not result.ok and result.error.startswith("Bad XML")


def test_a_second_row_for_the_same_pms_is_refused(pms):
    baker.make(Server, name="First", url=pms.url, machine_identifier="abc123def")
    second = baker.make(Server, name="Second", url=pms.url, token=TOKEN, machine_identifier=None)
    result = connection.test_connection(second)
    assert not result.ok and "already configured" in result.error
    second.refresh_from_db()
    assert second.machine_identifier is None


def test_identity_endpoint_answers_without_a_token(pms):
    import requests

    response = requests.get(f"{pms.url}/identity", timeout=5)
    assert response.status_code == 200
    assert 'machineIdentifier="abc123def"' in response.text
    assert requests.get(f"{pms.url}/library/sections", timeout=5).status_code == 401


def test_admin_action_reports_each_server(admin_client, pms):
    good = baker.make(Server, name="Good", url=pms.url, token=TOKEN)
    bad_token = baker.make(Server, name="Bad token", url=pms.url, token="nope")
    down = baker.make(Server, name="Down", url=_closed_port_url(), token=TOKEN)
    response = admin_client.post(
        reverse("admin:plex_server_changelist"),
        {"action": "test_connection", "_selected_action": [good.pk, bad_token.pk, down.pk]},
        follow=True,
    )
    assert response.status_code == 200
    notes = _messages(response)
    assert (
        "Living Room PMS: connected — Living Room PMS, 1.20.4.3517-ab5e1197c, machine identifier abc123def"
        in notes
    )
    assert any(n.startswith("Bad token: Unauthorized") for n in notes)
    assert any(n.startswith("Down: Unreachable") for n in notes)
    html = response.content.decode()
    assert TOKEN not in html and "nope" not in html


def test_save_and_test_connection_button_on_the_change_page(admin_client, pms):
    server = baker.make(Server, name="New", url="http://127.0.0.1:9", token="old")
    response = admin_client.post(
        reverse("admin:plex_server_change", args=[server.pk]),
        {
            "name": "New",
            "url": pms.url,
            "token": TOKEN,
            "is_active": "on",
            "plex_server_save_and_test_connection": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    server.refresh_from_db()
    assert server.token == TOKEN and server.machine_identifier == "abc123def"
    assert any("connected" in n for n in _messages(response))
