"""The server events beside reachability: remote access (on_extdown / on_extup), PMS updates
(on_pmsupdate) and a rejected token (on_tokenexpired), read from the fake PMS through plexapi.

The fake's ``/myplex/account`` and ``/updater/status`` are built from plexapi's model (no
recording exists); ``/:/prefs`` is recorded. Events are caught with a receiver of ``plex_event``.
"""

import time

import pytest

from plex import tasks
from plex.activity import remote_access
from plex.activity.events import plex_event
from plex.activity.pms_update import check_pms_update, version_key
from plex.activity.reachability import token_tag
from plex.activity.reconcile import reconcile
from plex.client import PlexUnauthorized, call_pms, clear_cache
from plex.monitor import ServerMonitor
from plex.sync import sync_libraries
from plex.testing import FakePlexServer
from servers.models import Server

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "fake-token-server-events"
T0 = 1_795_000_000
NEWER = "9.2.0.9000-1a2b3c4d5"


@pytest.fixture
def pms():
    clear_cache()
    with FakePlexServer(token=TOKEN) as fake:
        fake.clock.now_ms = T0 * 1000
        yield fake
    clear_cache()


@pytest.fixture
def server(pms):
    return Server.objects.create(
        name="Home", url=pms.url, token=TOKEN, machine_identifier=pms.machine_identifier
    )


@pytest.fixture
def events():
    seen = []

    def receiver(sender, action, signal=None, server=None, session=None, **kwargs):
        seen.append((action, kwargs))

    plex_event.connect(receiver, weak=False)
    yield seen
    plex_event.disconnect(receiver)


def actions(events):
    return [action for action, _ in events]


def unmap(pms, error=""):
    pms.account.update(mappingState="failed", mappingError=error, publicAddress="")


def remap(pms):
    pms.account.update(mappingState="mapped", mappingError="", publicAddress="203.0.113.7")


def paths(pms, method="GET"):
    return [r.path for r in pms.requests if r.method == method]


# --- remote access ------------------------------------------------------------------------------


def test_remote_access_down_for_a_minute_emits_on_extdown_once_then_on_extup(pms, server, events):
    assert remote_access.check_remote_access(server, T0)["remote_access_reason"] == ""
    server.refresh_from_db()
    assert (server.remote_access_up, server.remote_access_mapping_state) == (True, "mapped")

    unmap(pms)
    for offset in (60, 90):  # down since T0+60: under Tautulli's 60 s threshold
        remote_access.check_remote_access(server, T0 + offset)
    assert events == []
    server.refresh_from_db()
    assert server.remote_access_up is False and not server.remote_access_down_notified
    assert server.remote_access_reason == "Plex remote access port not mapped"

    for offset in (120, 180, 240):
        remote_access.check_remote_access(server, T0 + offset)
    assert events == [
        (
            "on_extdown",
            {
                "remote_access_mapping_state": "failed",
                "remote_access_mapping_error": "",
                "remote_access_public_address": "",
                "remote_access_public_port": "32400",
                "remote_access_private_address": "192.168.1.10",
                "remote_access_private_port": "32400",
                "remote_access_reason": "Plex remote access port not mapped",
            },
        )
    ]

    remap(pms)
    remote_access.check_remote_access(server, T0 + 300)
    remote_access.check_remote_access(server, T0 + 360)
    assert actions(events) == ["on_extdown", "on_extup"]
    up = events[1][1]
    assert up["remote_access_reason"] == "" and up["remote_access_mapping_state"] == "mapped"
    assert up["remote_access_public_address"] == "203.0.113.7"
    server.refresh_from_db()
    assert server.remote_access_up is True and not server.remote_access_down_notified


def test_a_short_failure_or_waiting_for_the_mapping_emits_nothing(pms, server, events):
    remote_access.check_remote_access(server, T0)
    unmap(pms, error="unreachable")
    remote_access.check_remote_access(server, T0 + 30)
    server.refresh_from_db()
    assert server.remote_access_reason == "Plex remote access port not mapped"
    pms.account.update(mappingState="mapped")  # mapped, but plex.tv cannot reach the port
    assert remote_access.check_remote_access(server, T0 + 40)["remote_access_reason"] == (
        "Plex remote access port mapped, but the port is unreachable from Plex.tv"
    )
    remap(pms)
    remote_access.check_remote_access(server, T0 + 50)  # back within 60 s: no on_extup either
    pms.account.update(mappingState="waiting")
    for offset in range(100, 400, 60):  # PMS still mapping: neither up nor down
        remote_access.check_remote_access(server, T0 + offset)
    assert events == []
    server.refresh_from_db()
    assert (server.remote_access_up, server.remote_access_mapping_state) == (True, "waiting")


def test_nothing_is_checked_while_remote_access_is_disabled(pms, server, events):
    unmap(pms)
    remote_access.check_remote_access(server, T0)
    pms.prefs["PublishServerOnPlexOnlineKey"] = False
    for offset in (60, 120, 180):
        assert remote_access.check_remote_access(server, T0 + offset) is None
    assert events == []
    assert paths(pms).count("/myplex/account") == 1  # only while it was published
    server.refresh_from_db()
    assert server.remote_access_up is None and server.remote_access_reason == ""


def test_the_task_checks_every_server_on_the_clock(pms, server, events, clock):
    assert tasks.check_remote_access() == {"Home": {"published": True, "reason": "", "error": ""}}
    unmap(pms)
    tasks.check_remote_access()
    clock.shift(60)
    summary = tasks.check_remote_access()
    assert summary["Home"]["reason"] == "Plex remote access port not mapped"
    assert actions(events) == ["on_extdown"]
    assert "Check Plex remote access" in tasks.SCHEDULES
    assert tasks.SCHEDULES["Check for Plex updates"] == ("plex.tasks.check_pms_updates", 1440)


def test_a_reachability_notification_on_the_websocket_rechecks_remote_access(pms, server, events):
    monitor = ServerMonitor(server, clock=lambda: pms.clock.now_ms / 1000, timeout=3)
    reachability = {"type": "reachability", "size": 1}
    monitor._handle({**reachability, "ReachabilityNotification": [{"reachability": True}]})
    server.refresh_from_db()
    assert server.remote_access_up is True
    accounts = paths(pms).count("/myplex/account")
    # Reachable and known to be up: nothing to read (Tautulli's rule).
    monitor._handle({**reachability, "ReachabilityNotification": [{"reachability": True}]})
    assert paths(pms).count("/myplex/account") == accounts
    unmap(pms)
    monitor._handle({**reachability, "ReachabilityNotification": [{"reachability": False}]})
    pms.clock.advance(60)
    monitor._handle({**reachability, "ReachabilityNotification": [{"reachability": False}]})
    assert actions(events) == ["on_extdown"]


# --- PMS updates --------------------------------------------------------------------------------


def test_a_newer_version_offered_by_pms_emits_on_pmsupdate_with_its_values(pms, server, events):
    pms.prefs["ButlerUpdateChannel"] = "8"
    pms.update = {
        "key": "https://plex.tv/updater/releases/9000",
        "version": NEWER,
        "added": "(Music) Sonic adventures",
        "fixed": "(Transcoder) A crash\n(Web) A typo",
        "downloadURL": "https://plex.tv/updater/releases/9000/download?channel=8",
        "state": "notify",
    }
    update = check_pms_update(server)
    assert events == [
        (
            "on_pmsupdate",
            {
                "update": {
                    "version": NEWER,
                    "url": "https://plex.tv/updater/releases/9000/download?channel=8",
                    "release_date": "",
                    "channel": "beta",
                    "platform": call_pms(server, lambda plex: plex.platform),
                    "distro": "",
                    "distro_build": "",
                    "requirements": "",
                    "extra_info": "",
                    "changelog_added": "(Music) Sonic adventures",
                    "changelog_fixed": "(Transcoder) A crash\n(Web) A typo",
                },
                "tag": NEWER,
            },
        )
    ]
    assert update == events[0][1]["update"] and update["platform"]
    assert "/updater/check" in paths(pms, "PUT")  # PMS was asked to look for updates first
    # Each check that finds it emits again: "once per version" is the notify log's rule.
    check_pms_update(server)
    assert actions(events) == ["on_pmsupdate", "on_pmsupdate"]


def test_no_update_or_one_not_newer_emits_nothing(pms, server, events):
    assert check_pms_update(server) is None
    pms.update = {"version": pms.version, "state": "done"}
    assert check_pms_update(server) is None
    assert tasks.check_pms_updates() == {"Home": {"update": "", "error": ""}}
    assert events == []


def test_versions_compare_as_tautulli_does():
    assert version_key("1.40.1.8227-c0dd5a73e") == 1004000018227
    assert version_key("1.9.0.1") < version_key("1.10.0.0") < version_key(NEWER)
    assert version_key("") == 0 and version_key("beta") == 0


# --- a rejected token ---------------------------------------------------------------------------


def test_a_rejected_token_emits_on_tokenexpired_once_per_token(pms, server, events):
    Server.objects.filter(pk=server.pk).update(token="expired-token")
    server.refresh_from_db()
    assert reconcile(server).error.startswith("Unauthorized")
    reconcile(server)
    tasks.check_remote_access()
    tasks.check_pms_updates()
    sync_libraries()
    assert events == [("on_tokenexpired", {"tag": token_tag("expired-token")})]
    server.refresh_from_db()
    assert server.token_rejected_tag == token_tag("expired-token") != "expired-token"
    assert len(server.token_rejected_tag) == 10
    assert server.connected is False  # and the server is marked down, as before

    # Another token rejected in its turn is announced too.
    Server.objects.filter(pk=server.pk).update(token="another-expired-token")
    server.refresh_from_db()
    sync_libraries()
    reconcile(server)
    assert events[1:] == [("on_tokenexpired", {"tag": token_tag("another-expired-token")})]


def test_the_monitor_reports_a_rejected_token(pms, server, events):
    Server.objects.filter(pk=server.pk).update(token="expired-token")
    server.refresh_from_db()
    with pytest.raises(PlexUnauthorized):
        call_pms(server, lambda plex: plex.version)
    monitor = ServerMonitor(server, clock=lambda: pms.clock.now_ms / 1000, tick=0.02, timeout=3)
    monitor.start()
    try:
        deadline = time.monotonic() + 10
        while "on_tokenexpired" not in actions(events) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        monitor.stop()
        monitor.join(5)
    assert events == [("on_tokenexpired", {"tag": token_tag("expired-token")})]
