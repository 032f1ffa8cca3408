"""The Activity page's cards (posters, avatars, progress with time left) and its Terminate
button: staff with ``plex.change_session`` stop a stream on the (fake) PMS with a message, the
result is shown on the page and an audit entry names who did it."""

import time

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from model_bakery import baker

from core.image_links import SALT, read
from plex.activity.reconcile import reconcile
from plex.activity.terminate import DEFAULT_STOP_MESSAGE, MESSAGE_MAX_LENGTH
from plex.testing import FakePlexServer
from servers.models import Server, Session
from users.models import User

PAGE = "/admin/activity/"
FRAGMENT = "/admin/activity/fragment/"
TOKEN = "SECRET-TERMINATE-TOKEN"
T0 = 1_795_000_000


def terminations():
    """The audit entries on ``sessions`` rows (creating the servers leaves entries too)."""
    return LogEntry.objects.get_for_model(Session)


def terminate_url(session) -> str:
    return f"/admin/activity/terminate/{session.pk}/"


def image_of(html: str, element_id: str) -> tuple[int, str, int, int, str]:
    """The signed image request behind ``<img id=element_id src=/image/<token>>``."""
    start = html.index(f'id="{element_id}"')
    src = html.index('src="/image/', start) + len('src="/image/')
    return read(html[src : html.index('"', src)].rstrip("/"), salt=SALT)


@pytest.fixture
def server(db):
    return baker.make(Server, name="Home", url="http://127.0.0.1:9", token=TOKEN, connected=True)


def bake(server, session_key, **fields):
    values = {
        "session_key": session_key,
        "state": "playing",
        "user_id": 500 + session_key,
        "friendly_name": f"Viewer {session_key}",
        "media_type": "movie",
        "full_title": f"Movie {session_key}",
        "rating_key": 100 + session_key,
        "thumb": f"/library/metadata/{100 + session_key}/thumb/1700000000",
        "started": T0,
        "stopped": T0,
        "view_offset": 0,
        "duration": 600_000,
        "transcode_decision": "direct play",
        "bandwidth": 8000,
        "location": "lan",
    }
    return Session.objects.create(server=server, **dict(values, **fields))


def staff_client(*codenames: str) -> Client:
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    for codename in codenames:
        staff.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="plex")
        )
    client = Client()
    client.force_login(staff)
    return client


# --- the cards ----------------------------------------------------------------------------------


def test_each_stream_is_a_card_with_poster_avatar_and_time_left(admin_client, server):
    now = int(time.time())
    baker.make(User, user_id=501, thumb="https://plex.tv/users/abc/avatar?c=1")
    movie = bake(server, 1, full_title="Heat", year=1995, view_offset=1_800_000, duration=7_200_000)
    episode = bake(
        server,
        2,
        media_type="episode",
        full_title="The Wire - The Target",
        grandparent_thumb="/library/metadata/7/thumb/1600000000",
        parent_media_index=1,
        media_index=1,
        state="paused",
        view_offset=1_650_000,
        duration=3_300_000,
        stopped=now,
    )
    track = bake(
        server,
        3,
        media_type="track",
        full_title="Radiohead - Airbag",
        parent_title="OK Computer",
        parent_thumb="/library/metadata/9/thumb/1",
        stopped=now,
        state="paused",
    )
    Session.objects.filter(pk=movie.pk).update(stopped=now, state="paused")

    html = admin_client.get(PAGE).content.decode()

    assert html.count('class="activity-card ') == 3
    # Posters as Tautulli picks them, through our signed proxy links (twice the shown size).
    assert image_of(html, f"poster-{movie.pk}-101") == (
        server.pk,
        "/library/metadata/101/thumb",
        160,
        240,
        "poster",
    )
    assert image_of(html, f"poster-{episode.pk}-102")[1] == "/library/metadata/7/thumb"
    assert image_of(html, f"poster-{track.pk}-103")[1:] == (
        "/library/metadata/9/thumb",
        160,
        160,
        "cover",
    )
    # The user's plex.tv avatar; a user without one gets the placeholder.
    assert image_of(html, f"avatar-{movie.pk}-501")[1:] == (
        "https://plex.tv/users/abc/avatar?c=1",
        48,
        48,
        "user",
    )
    assert image_of(html, f"avatar-{episode.pk}-502")[1] == ""
    # Progress and time left, the episode's S01E01, the album.
    assert "30:00 / 2:00:00 (25%)" in html and "1:30:00 left" in html
    assert "27:30 / 55:00 (50%)" in html and "27:30 left" in html
    assert "S01E01 · Episode" in html and "OK Computer · Track" in html and "1995 · Movie" in html
    assert 'aria-valuenow="25"' in html
    assert TOKEN not in html


def test_the_cards_add_no_query_per_stream(admin_client, server, django_assert_max_num_queries):
    for key in range(1, 21):
        bake(server, key)
        baker.make(User, user_id=500 + key, thumb=f"https://plex.tv/users/{key}/avatar")
    # The login session, the user, the servers, the sessions (avatars included).
    with django_assert_max_num_queries(4):
        response = admin_client.get(FRAGMENT)
    assert response.content.decode().count("activity-card ") == 20


def test_terminate_links_only_for_staff_who_may_terminate(admin_client, server, db):
    session = bake(server, 1)
    assert terminate_url(session) in admin_client.get(PAGE).content.decode()
    assert terminate_url(session) in admin_client.get(FRAGMENT).content.decode()

    viewer_only = staff_client("view_session")
    assert terminate_url(session) not in viewer_only.get(PAGE).content.decode()
    assert terminate_url(session) not in viewer_only.get(FRAGMENT).content.decode()
    assert viewer_only.get(terminate_url(session)).status_code == 403
    assert viewer_only.post(terminate_url(session), {"message": "x"}).status_code == 403
    # Signed out: the login page, nothing else.
    anonymous = Client().post(terminate_url(session), {"message": "x"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    assert not terminations().exists()


# --- terminate against the fake PMS --------------------------------------------------------------


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN, name="Home") as fake:
        fake.clock.now_ms = int(time.time() * 1000)
        yield fake


@pytest.fixture
def playing(pms, db):
    """Two viewers on the fake PMS, their ``sessions`` rows written by the reconciling poll."""
    server = Server.objects.create(
        name="Home", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )
    alice = pms.viewer(user_id=11, user_title="alice").play()
    bob = pms.viewer(user_id=12, user_title="bob").play()
    assert reconcile(server).started == 2
    rows = {row.user: row for row in Session.objects.all()}
    return server, (alice, rows["alice"]), (bob, rows["bob"])


def terminate_requests(pms):
    return [r for r in pms.requests if r.path == "/status/sessions/terminate"]


def test_staff_terminate_a_stream_with_a_message_and_it_is_audited(pms, playing):
    _server, (alice, alice_row), (bob, _bob_row) = playing
    staff = staff_client("view_session", "change_session")

    form = staff.get(terminate_url(alice_row))
    assert form.status_code == 200
    html = form.content.decode()
    assert "Stop this stream of alice now?" in html and 'name="message"' in html
    assert "csrfmiddlewaretoken" in html and DEFAULT_STOP_MESSAGE in html

    response = staff.post(terminate_url(alice_row), {"message": "  Bedtime!  "}, follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "Stream of alice (" in response.content.decode() and "terminated." in (
        response.content.decode()
    )
    [request] = terminate_requests(pms)
    assert request.query["reason"] == "Bedtime!"
    assert (alice.state, alice.stop_reason) == ("stopped", "Bedtime!")
    assert bob.state == "playing"
    # The audit entry: on alice's session row, by the staff member, with the message.
    [entry] = terminations()
    assert entry.object_pk == str(alice_row.pk) and entry.actor.username == "staff"
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict == {"state": ["playing", "terminated"], "message": ["", "Bedtime!"]}
    audit = Client()
    audit.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    listing = audit.get("/admin/auditlog/logentry/").content.decode()
    assert "alice" in listing and "staff" in listing
    assert TOKEN not in listing


def test_the_default_message_when_none_is_given(admin_client, pms, playing):
    _server, (alice, alice_row), _bob = playing
    admin_client.post(terminate_url(alice_row), {"message": ""})
    assert alice.stop_reason == DEFAULT_STOP_MESSAGE
    assert terminations().get().changes_dict["message"] == ["", DEFAULT_STOP_MESSAGE]


def test_a_message_too_long_is_a_form_error_and_nothing_is_sent(admin_client, pms, playing):
    _server, (alice, alice_row), _bob = playing
    response = admin_client.post(
        terminate_url(alice_row), {"message": "x" * (MESSAGE_MAX_LENGTH + 1)}
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()
    assert alice.state == "playing" and not terminate_requests(pms)
    assert not terminations().exists()


@pytest.fixture
def no_plex_pass(pms):
    """A server without Plex Pass (before it is first connected: connections are reused)."""
    pms.route("/", pms.root_xml.replace('myPlexSubscription="1"', 'myPlexSubscription="0"'))


def test_a_refusal_by_pms_is_shown_and_not_audited(admin_client, no_plex_pass, playing):
    _server, (alice, alice_row), _bob = playing
    response = admin_client.post(terminate_url(alice_row), {"message": "Bye"}, follow=True)
    assert "Failed to terminate session: No Plex Pass subscription." in response.content.decode()
    assert alice.state == "playing" and not terminations().exists()


def test_a_stream_that_ended_meanwhile_is_said_so(admin_client, server):
    session = bake(server, 1)
    url = terminate_url(session)
    session.delete()  # history written by the monitor: the row is gone
    for response in (admin_client.get(url, follow=True), admin_client.post(url, follow=True)):
        assert response.redirect_chain == [(PAGE, 302)]
        assert "This stream has ended already" in response.content.decode()
    assert admin_client.get("/admin/activity/terminate/abc/").status_code == 404


def test_terminate_needs_the_csrf_token(server, pms, playing):
    _server, (alice, alice_row), _bob = playing
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create_superuser("root", password="pw"))
    assert client.post(terminate_url(alice_row), {"message": "x"}).status_code == 403
    assert alice.state == "playing"


def test_the_api_terminate_is_audited_as_the_api_key(call_api, pms, playing):
    _server, (alice, alice_row), _bob = playing
    status, body = call_api("terminate_session", session_key=str(alice_row.session_key))
    assert body["response"]["result"] == "success"
    [entry] = terminations()
    assert entry.object_pk == str(alice_row.pk) and entry.actor is None
    assert entry.additional_data["command"] == "terminate_session"
    assert entry.changes_dict["message"] == ["", DEFAULT_STOP_MESSAGE]


def test_a_demo_stream_is_terminated_from_the_page(admin_client, db):
    from plex import demo

    with FakePlexServer(
        token=TOKEN, name=demo.DEMO_NAME, machine_identifier=demo.DEMO_MACHINE_IDENTIFIER
    ) as pms:
        pms.clock.now_ms = int(time.time() * 1000)
        script = demo.DemoScript(pms)
        script.tick()
        server = demo.register_server(pms.url, TOKEN)
        reconcile(server)
        html = admin_client.get(PAGE).content.decode()
        row = Session.objects.order_by("session_key").first()
        assert 'class="activity-card ' in html and terminate_url(row) in html
        response = admin_client.post(terminate_url(row), {"message": "Demo over"}, follow=True)
        assert "terminated." in response.content.decode()
        [request] = terminate_requests(pms)
        assert request.query["reason"] == "Demo over"
        assert terminations().get().object_pk == str(row.pk)
