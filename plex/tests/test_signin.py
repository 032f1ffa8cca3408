"""Sign in with Plex and first-run setup, through real plexapi against a loopback plex.tv
(:mod:`plex.testing.plex_tv`, built from plex.tv's recorded answers) and fake PMSs."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from model_bakery import baker

from plex.testing import FakePlexServer
from plex.testing.plex_tv import FakePlexTv
from servers.models import DEMO_MACHINE_IDENTIFIER, Server
from users.models import AccountLink, User, UserLogin

pytestmark = pytest.mark.django_db

OWNER_ID = 12345
PMS_TOKEN = "pms-owner-token"


@pytest.fixture
def pms():
    with FakePlexServer(
        token=PMS_TOKEN, name="Living Room Box", machine_identifier="box0000000000000000000001"
    ) as fake:
        yield fake


@pytest.fixture
def plex_tv(settings, pms):
    with FakePlexTv() as fake:
        settings.PLEX_TV_URL = fake.url
        yield fake


@pytest.fixture
def owner_token(plex_tv, pms):
    return plex_tv.add_account(OWNER_ID, "owner", servers=[pms])


def sign_in_with_plex(client, plex_tv, token, start="/signin/plex/"):
    """The browser's round trip: start, plex.tv links the PIN, back to us. Returns the answer."""
    started = client.get(start)
    assert started.status_code == 302
    plex_tv.link_pin(plex_tv.last_pin_id, token)
    return client.get("/signin/plex/done/")


def page_text(response) -> str:
    return response.content.decode()


def test_the_sign_in_sends_the_browser_to_plex_tv_and_waits_for_the_pin(client, plex_tv):
    started = client.get("/signin/plex/")

    location = urlsplit(started["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "app.plex.tv", "/auth/")
    params = parse_qs(location.fragment.split("?", 1)[1])
    assert params["code"] == [f"CODE{plex_tv.last_pin_id}"]
    assert params["forwardUrl"] == ["http://testserver/signin/plex/done/"]
    assert params["context[device][product]"] == ["Tautulli (Django)"]

    # Not signed in on plex.tv yet: a page that looks again, with the way back to plex.tv.
    waiting = client.get("/signin/plex/done/")
    assert waiting.status_code == 200
    assert f"CODE{plex_tv.last_pin_id}" in page_text(waiting)
    assert "Open Plex's sign-in page again" in page_text(waiting)
    assert '<meta http-equiv="refresh" content="3">' in page_text(waiting)
    assert not waiting.wsgi_request.user.is_authenticated


def test_a_new_install_is_set_up_by_signing_in_with_plex_and_picking_a_server(
    client, plex_tv, pms, owner_token
):
    # The demo is there (not a real server): the sign-in goes on to the setup.
    baker.make(
        Server,
        name="Demo",
        url="http://127.0.0.1:32499",
        machine_identifier=DEMO_MACHINE_IDENTIFIER,
    )
    back = sign_in_with_plex(client, plex_tv, owner_token)
    assert back["Location"] == "/setup/plex/"

    listed = client.get("/setup/plex/")
    text = page_text(listed)
    assert "Signed in to Plex as <strong>owner</strong>" in text
    assert "Living Room Box" in text and "online" in text
    assert pms.url in text and "(local)" in text and "(remote)" in text
    assert PMS_TOKEN not in text and owner_token not in text

    tested = client.post(
        "/setup/plex/", {"client_identifier": pms.machine_identifier, "action": "test"}
    )
    results = page_text(tested)
    assert "✔ works: Living Room Box" in results
    assert results.count("✘") == 1  # the remote connection does not answer

    added = client.post(
        "/setup/plex/",
        {"client_identifier": pms.machine_identifier, "uri": pms.url, "action": "add"},
    )
    server = Server.objects.get(machine_identifier=pms.machine_identifier)
    assert added["Location"] == f"/admin/plex/server/{server.pk}/change/"
    assert (server.url, server.token, server.name) == (pms.url, PMS_TOKEN, "Living Room Box")
    assert not server.is_demo and server.is_active
    # The account that set it up is the owner: the whole admin.
    account = AccountLink.objects.get(plex_user_id=OWNER_ID).auth_user
    assert account.is_staff and account.is_superuser
    assert client.get("/admin/").status_code == 200
    # Setup is over: the page asks an admin to sign in to plex.tv again for another server.
    assert client.get("/setup/plex/")["Location"] == "/signin/plex/?next=setup"


def test_the_owner_of_a_watched_server_gets_the_admin(client, plex_tv, pms, owner_token):
    baker.make(Server, url=pms.url, token=PMS_TOKEN, machine_identifier=pms.machine_identifier)

    back = sign_in_with_plex(client, plex_tv, owner_token)

    assert back["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert back.wsgi_request.user.username == f"plex-{OWNER_ID}"


def test_a_friend_signs_in_as_a_guest_when_allowed(client, settings, plex_tv, pms):
    baker.make(Server, url=pms.url, token=PMS_TOKEN, machine_identifier=pms.machine_identifier)
    baker.make(User, user_id=777, username="friend", allow_guest=True)
    settings.ALLOW_GUEST_ACCESS = True
    token = plex_tv.add_account(777, "friend", fixture="user/user_info_free_guest.json")

    back = sign_in_with_plex(client, plex_tv, token)

    account = get_user_model().objects.get(username="plex-777")
    assert back.wsgi_request.user == account and not account.is_staff
    assert back["Location"] != "/admin/"
    assert client.get("/admin/").status_code == 302  # no admin for guests


def test_a_refused_guest_reads_why_on_the_login_page(client, settings, plex_tv, pms):
    baker.make(Server, url=pms.url, token=PMS_TOKEN, machine_identifier=pms.machine_identifier)
    settings.ALLOW_GUEST_ACCESS = False
    token = plex_tv.add_account(888, "stranger")

    back = sign_in_with_plex(client, plex_tv, token)

    assert back["Location"] == "/admin/login/"
    login_page = client.get("/admin/login/")
    assert "Guest access is not enabled on this server." in page_text(login_page)
    assert not login_page.wsgi_request.user.is_authenticated
    # The web login log has the refusal.
    (refused,) = UserLogin.objects.all()
    assert (refused.user, refused.success) == ("stranger", False)
    # Nor may this account add a server: one is set up already.
    assert client.get("/setup/plex/")["Location"] == "/admin/login/"


def test_an_admin_adds_another_server_with_plex(admin_client, plex_tv, pms, owner_token):
    baker.make(Server, url="http://10.0.0.9:32400", machine_identifier="othermachine")
    with FakePlexServer(token="second-token", name="Cabin", machine_identifier="cabin01") as cabin:
        plex_tv.accounts[owner_token].servers.append(cabin)

        asked = admin_client.get("/setup/plex/")
        assert asked["Location"] == "/signin/plex/?next=setup"
        back = sign_in_with_plex(admin_client, plex_tv, owner_token, start=asked["Location"])
        assert back["Location"] == "/setup/plex/"
        assert "Cabin" in page_text(admin_client.get("/setup/plex/"))

        admin_client.post(
            "/setup/plex/", {"client_identifier": "cabin01", "uri": cabin.url, "action": "add"}
        )
    assert Server.objects.get(machine_identifier="cabin01").token == "second-token"


def test_bad_picks_and_a_silent_plex_tv_are_clear_errors(
    client, settings, plex_tv, pms, owner_token
):
    sign_in_with_plex(client, plex_tv, owner_token)

    wrong_uri = client.post(
        "/setup/plex/",
        {
            "client_identifier": pms.machine_identifier,
            "uri": "http://evil.example",
            "action": "add",
        },
    )
    assert "Pick one of the server&#x27;s connections." in page_text(wrong_uri)
    unknown = client.post("/setup/plex/", {"client_identifier": "nope", "action": "add"})
    assert "Pick one of the servers listed." in page_text(unknown)
    assert not Server.objects.exists()

    settings.PLEX_TV_URL = "http://127.0.0.1:9"  # plex.tv does not answer
    failed = client.get("/signin/plex/", follow=True)
    assert "plex.tv could not be reached" in page_text(failed)


def test_the_done_page_without_a_sign_in_under_way(client, plex_tv):
    answer = client.get("/signin/plex/done/", follow=True)
    assert "No Plex sign-in is under way" in page_text(answer)


def test_the_servers_list_offers_adding_a_server_with_plex(admin_client):
    listing = admin_client.get("/admin/plex/server/")
    assert "Add a server with Plex" in page_text(listing)

    button = admin_client.get("/admin/plex/server/add-with-plex/")
    assert button["Location"] == "/setup/plex/"
