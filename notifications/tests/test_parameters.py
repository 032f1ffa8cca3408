"""Notification parameters (reference 4.6) built from real plays on the fake PMS.

The monitor's handler is fed the fake's websocket notifications on the fake's clock (epoch
seconds), so times and durations are exact; the event's ``session`` dict is captured as a
notifier receives it and the parameters are built from it.
"""

import datetime as dt
import json

import pytest
import time_machine

from notifications.parameters import (
    PARAMETER_TYPES,
    PARAMETERS,
    DateValue,
    created_parameters,
    notifier_parameters,
    server_parameters,
    stream_parameters,
)
from plex.activity.events import plex_event
from plex.client import clear_cache
from plex.testing import FakePlexServer, attach_handler
from plex.testing.media_routes import add_library
from servers.models import Server

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "fake-token-parameters"
T0 = 1_795_000_000  # 2026-11-18 11:06:40 UTC, the fake PMS's clock at the first play


@pytest.fixture
def pms():
    with FakePlexServer(token=TOKEN) as fake:
        fake.clock.now_ms = T0 * 1000
        yield fake


@pytest.fixture
def server(pms):
    return Server.objects.create(
        name="Home",
        url=pms.url,
        token=TOKEN,
        machine_identifier=pms.machine_identifier,
        platform="Linux",
        version="1.41.3.9314",
    )


@pytest.fixture
def events(pms, server):
    """Every event the monitor emits while the fake's viewers play: ``[(action, kwargs)]``."""
    attach_handler(pms, server)
    seen = []

    def receiver(sender, action, **kwargs):
        seen.append((action, kwargs))

    plex_event.connect(receiver, weak=False)
    yield seen
    plex_event.disconnect(receiver)


def event(events, action) -> dict:
    return next(kwargs for name, kwargs in events if name == action)


def alice_watches_an_episode(pms):
    """alice transcodes "30 Rock - Blind Date" (S01E03, 22 min) from one minute in."""
    return pms.viewer(
        user_id=11,
        user_title="alice",
        media_type="episode",
        decision="transcode",
        player_title="Living Room TV",
    ).play(offset_ms=60_000)


# --- the catalogue ------------------------------------------------------------------------------


def test_the_catalogue_answers_get_notifier_parameters_like_the_capture(shared_dir):
    capture = json.loads(
        (
            shared_dir / "fixtures/tautulli-dart/notification/get_notifier_parameters.json"
        ).read_text()
    )["response"]["data"]
    ours = notifier_parameters()
    assert all(set(entry) == {"name", "type", "value"} for entry in ours)
    assert len(ours) == len(capture) == 304
    differences = [
        (theirs["value"], mine["value"])
        for theirs, mine in zip(capture, ours, strict=True)
        if (theirs["value"], theirs["type"]) != (mine["value"], mine["type"])
    ]
    # Tautulli's "Channel VCN" repeats channel_title; its builder fills channel_vcn.
    assert differences == [("channel_title", "channel_vcn")]
    assert {e["value"] for e in capture} <= {e["value"] for e in ours}
    assert len(PARAMETER_TYPES) == 304 and PARAMETER_TYPES["progress_percent"] == "int"
    assert PARAMETER_TYPES["audio_channels"] == "float"
    assert all(p.name and p.description.endswith((".", ")")) for p in PARAMETERS)


def test_every_catalogued_parameter_is_built_for_a_stream_and_a_server_action(pms, server, events):
    alice_watches_an_episode(pms)
    params = stream_parameters(server, "on_play", event(events, "on_play")["session"])
    stream_only = {p.value for p in PARAMETERS[: 24 + 126 + 127]}
    assert stream_only - set(params) == set()
    assert {p.value for p in PARAMETERS} - set(server_parameters(server, "on_intdown")) == (
        stream_only - {p.value for p in PARAMETERS[:24]}
    )


# --- streams ------------------------------------------------------------------------------------


def test_a_play_gives_what_a_message_names(pms, server, events):
    pms.viewer(
        user_id=12,
        user_title="bob",
        location="wan",
        address="10.0.0.9",
        machine_identifier="phone",
        player_title="Phone",
    ).play()
    alice_watches_an_episode(pms)
    sessions = [kwargs["session"] for name, kwargs in events if name == "on_play"]
    session = next(s for s in sessions if s["user_id"] == 11)

    params = stream_parameters(server, "on_play", session)

    assert (params["user"], params["username"], params["user_id"]) == ("alice", "alice", 11)
    assert (params["player"], params["ip_address"]) == ("Living Room TV", "192.168.1.20")
    assert params["title"] == "30 Rock - Blind Date"
    assert (params["show_name"], params["episode_name"]) == ("30 Rock", "Blind Date")
    assert (params["season_num"], params["season_num00"]) == ("1", "01")
    assert (params["episode_num"], params["episode_num00"]) == ("3", "03")
    assert (params["media_type"], params["library_name"], params["year"]) == (
        "episode",
        "TV Shows",
        2006,
    )
    # 22 min item, 1 min in: minutes rounded, seconds truncated, percent rounded.
    assert (params["duration"], params["duration_sec"], params["duration_ms"]) == (
        22,
        1320,
        1320000,
    )
    assert (params["progress_duration"], params["progress_duration_sec"]) == (1, 60)
    assert (params["progress_percent"], params["view_offset"]) == (5, 60000)
    assert (params["remaining_duration"], params["remaining_duration_sec"]) == (21, 1260)
    assert (params["stream_duration"], params["stream_duration_sec"]) == (0, 0)
    assert params["transcode_decision"] == "Transcode"
    assert params["video_decision"] == "transcode"
    # Counters: bob direct-plays from outside, alice transcodes at home.
    assert (params["streams"], params["lan_streams"], params["wan_streams"]) == (2, 1, 1)
    assert (params["transcodes"], params["direct_plays"], params["direct_streams"]) == (1, 1, 0)
    assert (params["total_bandwidth"], params["lan_bandwidth"]) == (14000, 7000)
    assert (params["user_streams"], params["user_transcodes"]) == (1, 1)
    assert params["action"] == "play"
    assert params["plex_url"] == (
        f"https://app.plex.tv/desktop#!/server/{pms.machine_identifier}"
        "/details?key=%2Flibrary%2Fmetadata%2F2"
    )
    assert params["thetvdb_url"] == "https://thetvdb.com/dereferrer/series/79488"
    assert params["trakt_url"] == "https://trakt.tv/search/tvdb/79488?id_type=show"
    assert params["directors"] == "Famous Director"
    assert params["started_unixtime"] == T0
    assert f"{params['started_datestamp']} {params['started_timestamp']}" == "2026-11-18 11:06"
    assert f"{params['started_datestamp']:dddd D MMMM}" == "Wednesday 18 November"
    assert params["poster_title"] == "30 Rock - " and params["poster_url"] == ""


def test_a_stop_counts_minutes_without_the_pause_and_leaves_the_stream_out(pms, server, events):
    viewer = alice_watches_an_episode(pms)
    pms.clock.advance(300)
    viewer.pause()
    pms.clock.advance(120)
    viewer.resume()
    pms.clock.advance(300)
    viewer.stop()
    stop = event(events, "on_stop")

    params = stream_parameters(server, "on_stop", stop["session"], history_id=stop["history_id"])

    assert (params["stream_duration"], params["stream_duration_sec"]) == (10, 600)
    assert f"{params['stream_time']}" == "00:10"
    assert (params["progress_duration"], params["progress_percent"]) == (11, 50)
    assert (params["remaining_duration"], f"{params['remaining_time']}") == (11, "00:11")
    assert params["stopped_unixtime"] == T0 + 720
    assert f"{params['stopped_timestamp']}" == "11:18"
    assert (params["streams"], params["user_streams"]) == (0, 0)
    assert params["action"] == "stop"


def test_with_pms_down_the_session_and_history_still_give_the_message(pms, server, events, caplog):
    viewer = alice_watches_an_episode(pms)
    pms.clock.advance(600)
    viewer.stop()
    stop = event(events, "on_stop")
    pms.stop()
    clear_cache()  # no kept-alive connection to the stopped server
    session = dict(stop["session"])
    del session["summary"], session["directors"]  # only the history row has them now

    params = stream_parameters(server, "on_stop", session, history_id=stop["history_id"])

    assert (params["user"], params["title"], params["show_name"]) == (
        "alice",
        "30 Rock - Blind Date",
        "30 Rock",
    )
    assert (params["episode_num"], params["progress_percent"]) == ("3", 50)
    assert params["summary"] == "Some elaborate summary."
    assert params["directors"] == "Famous Director"
    assert "without PMS's metadata of 2" in caplog.text


def test_the_reached_marker_and_the_concurrent_count_are_given(pms, server, events):
    alice_watches_an_episode(pms)
    session = dict(event(events, "on_play")["session"])
    session["markers"] = [
        {
            "id": 1,
            "type": "intro",
            "start_time_offset": 30000,
            "end_time_offset": 90000,
            "first": False,
            "final": False,
        },
        {
            "id": 2,
            "type": "credits",
            "start_time_offset": 1200000,
            "end_time_offset": 1320000,
            "first": True,
            "final": True,
        },
    ]
    session["marker"] = 2

    params = stream_parameters(
        server, "on_credits", session, user_streams=3, metadata={"title": "Blind Date"}
    )

    assert (params["marker_start"], params["marker_end"]) == (1200000, 1320000)
    assert (params["credits_marker_first"], params["credits_marker_final"]) == (1, 1)
    assert params["user_streams"] == 3


def test_building_reads_the_live_sessions_once(pms, server, events, django_assert_num_queries):
    for number in range(3):
        pms.viewer(user_id=20 + number, machine_identifier=f"tv-{number}").play()
    session = event(events, "on_play")["session"]
    with django_assert_num_queries(1):
        params = stream_parameters(server, "on_pause", session, metadata={})
    assert params["streams"] == 3


# --- recently added -----------------------------------------------------------------------------


def test_new_episodes_of_a_season_are_announced_as_a_range(pms, server):
    add_library(pms)
    timeline = {
        "rating_key": 89,
        "parent_rating_key": None,
        "grandparent_rating_key": 22,
        "media_type": "season",
        "section_id": 2,
        "title": "",
        "child_keys": [90, 91, 92],
    }

    params = created_parameters(server, timeline)

    assert (params["show_name"], params["season_name"]) == ("The 100", "Season 1")
    assert (params["season_num"], params["episode_num"], params["episode_num00"]) == (
        "1",
        "1-3",
        "01-03",
    )
    assert (params["episode_count"], params["season_count"]) == (3, 1)
    assert params["action"] == "created" and params["media_type"] == "season"
    assert params["stream_duration"] == 0 and params["streams"] == 0


def test_new_seasons_of_a_show_and_pms_down(pms, server):
    add_library(pms)
    timeline = {
        "rating_key": 22,
        "parent_rating_key": None,
        "grandparent_rating_key": None,
        "media_type": "show",
        "section_id": 2,
        "title": "",
        "child_keys": [89, 33],
    }
    params = created_parameters(server, timeline)
    assert (params["show_name"], params["season_count"]) == ("The 100", 2)
    assert (params["season_num"], params["season_num00"]) == ("1-2", "01-02")
    pms.stop()
    clear_cache()
    down = created_parameters(server, {**timeline, "title": "The 100"})
    assert (down["show_name"], down["season_num"], down["season_count"]) == ("The 100", "0", 0)


# --- server actions -----------------------------------------------------------------------------


def test_server_actions_give_the_time_in_the_server_zone(server, settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = dt.datetime(2026, 12, 31, 23, 30, 5, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        params = server_parameters(
            server,
            "on_extdown",
            remote_access_info={"mapping_state": "failed", "reason": "port closed"},
        )
    assert (params["current_year"], params["current_month"], params["current_day"]) == (2027, 1, 1)
    assert (params["current_hour"], params["current_minute"], params["current_second"]) == (
        0,
        30,
        5,
    )
    assert (params["current_weekday"], params["current_week"]) == (5, 53)
    assert f"{params['datestamp']} {params['timestamp']}" == "2027-01-01 00:30"
    assert isinstance(params["datestamp"], DateValue)
    assert params["unixtime"] == int(moment.timestamp())
    assert params["utctime"] == "2026-12-31T23:30:05"
    assert (params["remote_access_mapping_state"], params["remote_access_reason"]) == (
        "failed",
        "port closed",
    )
    assert (params["server_name"], params["server_port"], params["server_platform"]) == (
        "Home",
        server.port,
        "Linux",
    )
    assert params["tautulli_version"] == "v2.17.2" and params["action"] == "extdown"


def test_a_pms_update_gives_its_version_and_date(server):
    params = server_parameters(
        server,
        "on_pmsupdate",
        pms_download_info={
            "version": "1.42.0.1",
            "release_date": "1795000000",
            "changelog_added": "New things",
        },
        update_channel="beta",
    )
    assert (params["update_version"], params["update_channel"]) == ("1.42.0.1", "Beta")
    assert f"{params['update_release_date']}" == "2026-11-18"
    assert params["update_changelog_added"] == "New things"
    assert params["tautulli_update_version"] == ""


# --- pieces -------------------------------------------------------------------------------------


def test_a_movie_gets_its_links_from_its_guids():
    from notifications.parameters.links import links, watch_link

    out = links(
        {
            "media_type": "movie",
            "rating_key": 108,
            "guid": "plex://movie/5d7768258718ba001e311a6f",
            "guids": ["imdb://tt0308506", "tmdb://9994", "tvdb://111"],
        },
        "abc",
    )
    assert out["plex_id"] == "5d7768258718ba001e311a6f"
    assert out["imdb_url"] == "https://www.imdb.com/title/tt0308506"
    assert out["themoviedb_url"] == "https://www.themoviedb.org/movie/9994"
    assert out["thetvdb_url"] == "https://thetvdb.com/dereferrer/movie/111"
    # The last site found sets the search links, as Tautulli's order does.
    assert out["trakt_url"] == "https://trakt.tv/search/tmdb/9994?id_type=movie"
    assert out["plex_url"].endswith("/server/abc/details?key=%2Flibrary%2Fmetadata%2F108")
    assert (out["tvmaze_url"], out["anidb_url"]) == ("", "")
    assert watch_link("movie", "interstate-60") == "https://watch.plex.tv/movie/interstate-60"


def test_numbers_sizes_and_durations_in_tautullis_units(settings):
    from notifications.parameters.values import (
        duration_value,
        group_index,
        human_size,
        percent,
        seconds_to_minutes,
    )

    assert group_index([3, 1, 2, 5, 7, 8]) == ("1-3,5,7-8", "01-03,05,07-08")
    assert group_index([]) == ("0", "00")
    assert human_size("1288490189") == "1.20 GB" and human_size("") == ""
    assert (percent(660, 1320), percent(0, 1320), percent(1, 3)) == (50, 0, 33)
    assert (seconds_to_minutes(89), seconds_to_minutes(91)) == (1, 2)
    settings.NOTIFY_TIME_FORMAT = "h:mm A"
    assert f"{duration_value(3725)}" == "1:02"
    assert f"{duration_value(3725):HH:mm:ss}" == "01:02:05"
