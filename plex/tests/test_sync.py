"""Users from plex.tv and libraries from PMS: real plexapi against loopback fakes (one fake PMS,
one fake plex.tv reached through ``PLEX_TV_URL``), answering recorded XML; plexapi is never
patched."""

import socket

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_q.models import Schedule
from model_bakery import baker

from libraries.models import Library
from plex import sync, tasks
from plex.testing import FakePlexServer
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db

# plextv_account.xml answers authToken="faketoken", which plexapi then uses: the admin's token.
TOKEN = "faketoken"
MACHINE = "unique_id_123"  # the server plextv_shared_users.xml shares
# Item counts per plexapi search type (movie 1, show 2, season 3, episode 4, artist 8,
# album 9, track 10) for sections 1 (Movies), 2 (TV Shows), 3 (Music).
COUNTS = {
    "1": {"1": 120},
    "2": {"2": 15, "3": 40, "4": 512},
    "3": {"8": 7, "9": 30, "10": 333},
}
SHARED_SERVERS_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex" machineIdentifier="{MACHINE}" size="2">
  <SharedServer id="7654321" username="User 1000" email="user_1000@email.com" userID="1000" accessToken="share-token-1000" name="plex" acceptedAt="1614072646" invitedAt="1614072600" allowSync="0" allowCameraUpload="0" allowChannels="0" allowTuners="0" allowSubtitleAdmin="0" owned="0" allLibraries="0" filterAll="" filterMovies="" filterMusic="" filterPhotos="" filterTelevision="">
    <Section id="101" key="1" title="Movies" type="movie" shared="1"/>
    <Section id="102" key="2" title="TV Shows" type="show" shared="0"/>
    <Section id="103" key="3" title="Music" type="artist" shared="1"/>
  </SharedServer>
  <SharedServer id="1234567" username="User 1001" email="user_1001@email.com" userID="1001" accessToken="share-token-1001" name="plex" acceptedAt="1614072646" invitedAt="1614072600" allowSync="0" allowCameraUpload="0" allowChannels="0" allowTuners="0" allowSubtitleAdmin="0" owned="0" allLibraries="1" filterAll="" filterMovies="" filterMusic="" filterPhotos="" filterTelevision="">
    <Section id="101" key="1" title="Movies" type="movie" shared="1"/>
    <Section id="102" key="2" title="TV Shows" type="show" shared="1"/>
    <Section id="103" key="3" title="Music" type="artist" shared="1"/>
  </SharedServer>
</MediaContainer>
"""


def _items_xml(section_key: str):
    """``/library/sections/<key>/all?type=..``: that many items; the fake pages the answer as
    PMS does, so a container size of 0 leaves only ``totalSize``."""

    def answer(request):
        total = COUNTS[section_key].get(request.query.get("type", ""), 0)
        items = "".join(f'<Directory ratingKey="{i}" />' for i in range(total))
        return f'<MediaContainer size="{total}" librarySectionID="{section_key}">{items}</MediaContainer>'

    return answer


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN, name="plex", machine_identifier=MACHINE) as fake:
        fake.route_fixture("/library/sections", "home-assistant-core/plex/library_sections.xml")
        for key in COUNTS:
            fake.route(f"/library/sections/{key}/all", _items_xml(key))
        yield fake


@pytest.fixture
def plextv(settings):
    with FakePlexServer(token=TOKEN, name="plex.tv") as fake:
        fake.route_fixture("/api/v2/user", "home-assistant-core/plex/plextv_account.xml")
        fake.route_fixture("/api/users/", "home-assistant-core/plex/plextv_shared_users.xml")
        fake.route(f"/api/servers/{MACHINE}/shared_servers", SHARED_SERVERS_XML)
        settings.PLEX_TV_URL = fake.url
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(Server, name="plex", url=pms.url, token=TOKEN, machine_identifier=MACHINE)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _libraries(server):
    return list(
        Library.objects.filter(server=server).values_list(
            "section_id", "section_name", "section_type", "count", "parent_count", "child_count"
        )
    )


# --- libraries ----------------------------------------------------------------------------------


def test_libraries_are_read_from_the_server_with_their_counts(server, pms):
    result = sync.sync_libraries()
    assert result.ok and (result.synced, result.deactivated) == (3, 0)
    assert _libraries(server) == [
        (1, "Movies", "movie", 120, None, None),
        (2, "TV Shows", "show", 15, 40, 512),
        (3, "Music", "artist", 7, 30, 333),
    ]
    movies = Library.objects.get(server=server, section_id=1)
    assert movies.agent == "com.plexapp.agents.imdb"
    assert movies.thumb == "/:/resources/movie.png"
    assert movies.art == "/:/resources/movie-fanart.jpg"
    # Every request went through plexapi to the fake, with the token.
    assert {r.token for r in pms.requests} == {TOKEN}
    counted = [r.query for r in pms.requests if r.path.endswith("/all")]
    assert {q["type"] for q in counted} == {"1", "2", "3", "4", "8", "9", "10"}
    assert {q["X-Plex-Container-Size"] for q in counted} == {"0"}  # counted, never listed


def test_a_refresh_keeps_our_flags_and_retires_sections_gone_from_plex(server, pms):
    baker.make(
        Library,
        server=server,
        section_id=1,
        section_name="Old name",
        count=1,
        do_notify=False,
        keep_history=False,
        custom_thumb_url="https://example.com/mine.png",
    )
    baker.make(Library, server=server, section_id=9, section_name="Removed", is_active=True)
    other = baker.make(Server, name="other", url="", token="")
    baker.make(Library, server=other, section_id=9, is_active=True)

    result = sync.sync_libraries(servers=[server])

    assert result.ok and (result.synced, result.deactivated) == (3, 1)
    movies = Library.objects.get(server=server, section_id=1)
    assert (movies.section_name, movies.count, movies.is_active) == ("Movies", 120, True)
    assert (movies.do_notify, movies.keep_history) == (False, False)
    assert movies.custom_thumb_url == "https://example.com/mine.png"
    assert Library.objects.get(server=server, section_id=9).is_active is False
    # Another server's section with the same id is not this server's.
    assert Library.objects.get(server=other, section_id=9).is_active is True
    assert Library.objects.count() == 5


def test_a_server_that_cannot_be_read_keeps_its_libraries(server):
    down = baker.make(Server, name="Down", url=_closed_port_url(), token=TOKEN)
    baker.make(Library, server=down, section_id=1, is_active=True)
    result = sync.sync_libraries()
    assert not result.ok
    assert len(result.errors) == 1 and result.errors[0].startswith("Down: ")
    assert TOKEN not in result.errors[0]
    assert Library.objects.get(server=down).is_active is True
    assert len(_libraries(server)) == 3  # the server that answered is still synced


def test_wrong_token_is_an_error_not_an_empty_library(server):
    Library.objects.create(server=server, section_id=1, section_name="Movies")
    server.token = "wrong"
    result = sync.sync_libraries(servers=[server])
    assert not result.ok and "Unauthorized" in result.errors[0]
    assert "wrong" not in result.errors[0]
    assert Library.objects.get(server=server).is_active is True


# --- users --------------------------------------------------------------------------------------


def _user(user_id):
    return User.objects.get(user_id=user_id)


def test_users_come_from_plex_tv_with_their_shared_libraries(server, plextv):
    sync.sync_libraries()
    result = sync.sync_users()
    assert result.ok and result.synced == 3

    admin = _user(12345)
    assert (admin.username, admin.title, admin.email) == (
        "User 1",
        None,  # a title equal to the username is not kept (Tautulli)
        "myplexusername@email.com",
    )
    assert admin.thumb == "https://plex.tv/users/1234567890abcdef/avatar?c=12345"
    assert (admin.is_admin, admin.is_active, admin.is_home_user, admin.is_restricted) == (
        True,
        True,
        True,
        False,
    )
    assert admin.shared_libraries == "1;2;3"  # the owner sees every section

    friend = _user(1000)
    assert (friend.username, friend.email, friend.is_admin) == (
        "User 1000",
        "user_1000@email.com",
        False,
    )
    assert (friend.is_allow_sync, friend.is_restricted, friend.filter_all) == (False, False, "")
    assert friend.shared_libraries == "1;3"  # only the sections shared="1"
    assert friend.server_token == "share-token-1000"
    assert _user(1001).shared_libraries == "1;2;3"
    # plexapi asked the fake plex.tv for exactly these.
    assert {r.path for r in plextv.requests} == {
        "/api/v2/user",
        "/api/users/",
        f"/api/servers/{MACHINE}/shared_servers",
    }


def test_a_refresh_keeps_our_flags_and_deactivates_users_gone_from_plex_tv(server, plextv):
    baker.make(
        User,
        user_id=1000,
        username="old name",
        friendly_name="Grandma",
        custom_avatar_url="https://example.com/grandma.png",
        do_notify=False,
        keep_history=False,
        allow_guest=True,
        is_active=False,
    )
    baker.make(User, user_id=1001, username="imported", placeholder=True)
    baker.make(User, user_id=777, username="left", is_active=True)
    baker.make(User, user_id=0, username="Local", is_active=True)

    result = sync.sync_users()

    assert result.ok and (result.synced, result.deactivated) == (3, 1)
    grandma = _user(1000)
    assert (grandma.username, grandma.is_active) == ("User 1000", True)
    assert (grandma.friendly_name, grandma.custom_avatar_url) == (
        "Grandma",
        "https://example.com/grandma.png",
    )
    assert (grandma.do_notify, grandma.keep_history, grandma.allow_guest) == (False, False, True)
    assert _user(1001).placeholder is False  # plex.tv knows them now
    assert _user(777).is_active is False
    assert _user(0).is_active is True  # "Local" is never deactivated
    assert User.objects.count() == 5


def test_plex_tv_unreachable_changes_no_user(server, plextv):
    plextv.route("/api/users/", "<html>oops</html>", status=503)
    baker.make(User, user_id=777, username="still here", is_active=True)
    result = sync.sync_users()
    assert not result.ok and result.errors[0].startswith("plex.tv: ")
    assert TOKEN not in result.errors[0]
    assert _user(777).is_active is True
    assert User.objects.count() == 1


def test_without_a_server_token_there_is_nothing_to_ask_plex_tv_with():
    baker.make(Server, token="")
    result = sync.sync_users()
    assert not result.ok and "token" in result.errors[0]


def test_storing_many_users_takes_a_constant_number_of_queries(django_assert_max_num_queries):
    users = {
        i: sync._user_values(i, f"user{i}", f"user{i}", is_admin=False, shared_libraries=[1, 2])
        for i in range(1, 201)
    }
    # Batched inserts (SQLite binds at most 999 parameters), never a query per user.
    with django_assert_max_num_queries(12):
        result = sync.store_users(users)
    assert result.synced == 200
    assert _user(42).shared_libraries == "1;2"


# --- /api/v2, admin, schedules ------------------------------------------------------------------


def test_refresh_libraries_list_command(server, call_api):
    status, body = call_api("refresh_libraries_list")
    assert status == 200
    # Tautulli's api2 answers the refresh's result as data, without a message.
    assert body["response"] == {"result": "success", "message": None, "data": True}
    assert Library.objects.filter(server=server).count() == 3


def test_refresh_users_list_command(server, plextv, call_api):
    status, body = call_api("refresh_users_list")
    assert (status, body["response"]) == (
        200,
        {"result": "success", "message": None, "data": True},
    )
    assert User.objects.filter(is_active=True).count() == 3


def test_refresh_users_list_reports_plex_tv_failure(server, plextv, call_api):
    plextv.route("/api/v2/user", "", status=401)
    status, body = call_api("refresh_users_list")
    assert status == 400
    assert body["response"]["result"] == "error"
    assert body["response"]["message"] is None
    assert TOKEN not in str(body)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_admin_actions_refresh_libraries_and_users(admin_client, server, plextv):
    url = reverse("admin:plex_server_changelist")
    response = admin_client.post(
        url, {"action": "refresh_libraries", "_selected_action": [server.pk]}, follow=True
    )
    assert "Libraries: 3 refreshed, 0 no longer present." in _messages(response)
    response = admin_client.post(
        url, {"action": "refresh_users", "_selected_action": [server.pk]}, follow=True
    )
    assert "Users: 3 refreshed, 0 no longer present." in _messages(response)
    assert TOKEN not in response.content.decode()


def test_the_tasks_run_the_syncs(server, plextv):
    assert tasks.refresh_libraries() == {"synced": 3, "deactivated": 0, "errors": []}
    assert tasks.refresh_users() == {"synced": 3, "deactivated": 0, "errors": []}


def test_the_migrations_schedule_the_refreshes_every_12_hours_and_the_poll_every_minute():
    rows = Schedule.objects.filter(name__in=list(tasks.SCHEDULES)).order_by("name")
    assert [(r.name, r.func, r.schedule_type, r.minutes, r.repeats) for r in rows] == [
        ("Check Plex remote access", "plex.tasks.check_remote_access", Schedule.MINUTES, 1, -1),
        ("Check for Plex updates", "plex.tasks.check_pms_updates", Schedule.MINUTES, 1440, -1),
        ("Poll Plex sessions", "plex.tasks.poll_sessions", Schedule.MINUTES, 1, -1),
        ("Refresh libraries", "plex.tasks.refresh_libraries", Schedule.MINUTES, 720, -1),
        ("Refresh library media", "plex.tasks.refresh_library_media", Schedule.MINUTES, 720, -1),
        ("Refresh users from plex.tv", "plex.tasks.refresh_users", Schedule.MINUTES, 720, -1),
    ]


def test_ensure_schedules_corrects_without_duplicating_or_rescheduling():
    row = Schedule.objects.get(name="Refresh users from plex.tv")
    next_run = row.next_run
    Schedule.objects.filter(pk=row.pk).update(minutes=5)
    tasks.ensure_schedules()
    tasks.ensure_schedules()
    assert Schedule.objects.filter(name__in=list(tasks.SCHEDULES)).count() == len(tasks.SCHEDULES)
    row.refresh_from_db()
    assert (row.minutes, row.next_run) == (720, next_run)
