"""Home Assistant's Tautulli client (PyPI ``pytautulli``) against a live test server.

The client methods Home Assistant uses: ``async_get_users`` (get_users),
``async_get_server_info`` (get_server_info), ``async_get_activity`` (get_activity, read live from
a fake PMS) and the raw ``async_command``. ``async_get_home_stats`` waits for the home stats
(issue 4).
"""

import asyncio

import aiohttp
import pytest
from model_bakery import baker
from pytautulli import PyTautulli
from pytautulli.exceptions import PyTautulliConnectionException, PyTautulliException

from libraries.models import Library
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

API_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def configured(settings):
    """A server, two libraries and three users (one deleted) in the database."""
    settings.TAUTULLI_API_KEY = API_KEY
    server = baker.make(
        Server,
        name="Winterfell-Server",
        url="https://192-0-2-11.0123456789abcdef0123456789abcdef.plex.direct:32400",
        machine_identifier="08u2phnlkdshf890bhdlksghnljsahgleikjfg9t",
        version="1.20.0.3133-fede5bdc7",
        platform="Windows",
        plexpass=True,
        token="plex-token-never-shown",
    )
    baker.make(Library, server=server, section_id=1, section_name="Movies", section_type="movie")
    baker.make(Library, server=server, section_id=2, section_name="TV Shows", section_type="show")
    admin = baker.make(
        User,
        user_id=133788,
        username="Jon Snow",
        friendly_name="Lord Snow",
        email="jon@castleblack.example",
        is_admin=True,
        is_home_user=True,
        shared_libraries="1;2",
    )
    friend = baker.make(
        User,
        user_id=8008135,
        username="DanyKhaleesi69",
        friendly_name="",
        email="",
        is_admin=False,
        is_home_user=False,
        shared_libraries="2",
    )
    baker.make(User, user_id=42, username="Gone", deleted_user=True)
    return server, [admin, friend]


def call_client(base_url: str, method: str, *args, api_key: str = API_KEY):
    """Run one pytautulli call in a fresh event loop with its own aiohttp session."""

    async def run():
        async with aiohttp.ClientSession() as session:
            client = PyTautulli(url=base_url, api_token=api_key, session=session)
            return await getattr(client, method)(*args)

    return asyncio.run(run())


def test_client_reads_users(live_server, configured):
    _, (admin, friend) = configured
    users = call_client(live_server.url, "async_get_users")
    assert [user.user_id for user in users] == [admin.user_id, friend.user_id]
    jon = users[0]
    assert jon.username == "Jon Snow"
    assert jon.friendly_name == "Lord Snow"
    assert jon.email == "jon@castleblack.example"
    assert jon.is_admin is True and jon.is_home_user is True and jon.is_active is True
    assert jon.shared_libraries == ["1", "2"]
    assert jon.server_token is None  # never sent
    dany = users[1]
    assert dany.is_admin is False and dany.friendly_name == "DanyKhaleesi69"


def test_client_reads_server_info(live_server, configured):
    server, _ = configured
    info = call_client(live_server.url, "async_get_server_info")
    assert info.pms_name == "Winterfell-Server"
    assert info.pms_version == "1.20.0.3133-fede5bdc7"
    assert info.pms_platform == "Windows"
    assert info.pms_identifier == server.machine_identifier
    assert info.pms_ip == "192.0.2.11"
    assert info.pms_port == 32400
    assert info.pms_ssl is True and info.pms_plexpass is True and info.pms_url_manual is False
    assert info.pms_url == server.url


def test_client_raw_commands(live_server, configured):
    names = call_client(live_server.url, "async_command", "get_library_names")
    assert names["response"]["result"] == "success"
    assert [item["section_name"] for item in names["response"]["data"]] == [
        "Movies",
        "TV Shows",
    ]
    status = call_client(live_server.url, "async_command", "server_status")
    assert status["response"]["data"] == {"connected": None}


def test_wrong_api_key_is_a_client_error_not_a_crash(live_server, configured):
    """Like Tautulli v2.17.2, a wrong key answers HTTP 400 ``Invalid apikey`` (reference 1.1).

    pytautulli raises its authentication exception only on HTTP 401, so — exactly as against a
    real Tautulli — it reports a connection error for status 400, with the key redacted.
    """
    wrong = "f" * 32
    with pytest.raises(PyTautulliException) as caught:
        call_client(live_server.url, "async_get_server_info", api_key=wrong)
    assert isinstance(caught.value, PyTautulliConnectionException)
    assert "status code '400'" in str(caught.value)
    assert wrong not in str(caught.value)
    with pytest.raises(PyTautulliConnectionException):
        call_client(live_server.url, "async_get_users", api_key=wrong)


def test_client_reads_the_demos_live_activity(live_server, settings):
    """Home Assistant's sensor on the demo: stream counts, bandwidth and each session, read live
    from the demo's fake PMS after its scripted viewers have started."""
    from plex import demo

    settings.TAUTULLI_API_KEY = API_KEY
    pms, _server = demo.start(port=0)
    try:
        script = demo.DemoScript(pms)
        for _ in range(60):  # the first minute of the script
            pms.clock.advance(1)
            script.tick()
        activity = call_client(live_server.url, "async_get_activity")
        playing = {viewer.user_title for viewer in pms.timeline.active()}
    finally:
        pms.stop()
    assert playing, "the demo should have started someone in its first minute"
    assert activity.stream_count == str(len(playing))  # a string, as Tautulli sends it
    assert {session.user for session in activity.sessions} == playing
    assert (
        activity.stream_count_direct_play
        + activity.stream_count_direct_stream
        + activity.stream_count_transcode
        == len(playing)
    )
    assert activity.total_bandwidth == activity.lan_bandwidth + activity.wan_bandwidth > 0
    assert all(session.full_title and session.state for session in activity.sessions)
