"""Writing history from a finished session (reference 3.5) and grouping it into plays (3.6)."""

import json

import pytest
from django.db import DatabaseError
from model_bakery import baker

from core.timeutils import to_epoch
from history.models import History, HistoryMediaInfo, HistoryMetadata
from history.watched import check_watched, is_watched
from history.writer import write_session_history
from libraries.models import Library
from servers.models import Server, Session, SessionContinued
from users.models import User

T0 = 1_789_948_800  # 2026-09-21T00:00:00Z
MIN = 60
DAY = 86_400
MOVIE_MS = 2 * 3600 * 1000  # a two-hour movie

pytestmark = pytest.mark.django_db


@pytest.fixture
def server():
    return baker.make(Server, name="pms", machine_identifier="abc")


@pytest.fixture
def user():
    return baker.make(User, user_id=1001, username="alice", keep_history=True)


def stopped_session(server, user, *, started, seconds, paused=0, **fields):
    """A finished session of ``user`` that played ``seconds`` (wall clock, pauses included)."""
    defaults = {
        "session_key": 7,
        "rating_key": 500,
        "section_id": 1,
        "media_type": "movie",
        "title": "Heat",
        "full_title": "Heat",
        "duration": MOVIE_MS,
        "view_offset": 0,
        "user": user.username,
        "machine_id": "tv-1",
        "player": "Living Room",
        "platform": "Roku",
        "state": "stopped",
    }
    defaults.update(fields)
    return baker.make(
        Session,
        server=server,
        user_id=user.user_id,
        started=started,
        stopped=started + seconds,
        paused_counter=paused,
        **defaults,
    )


def movie_metadata(**extra):
    return {"section_id": 1, "duration": MOVIE_MS, "guid": "plex://movie/heat", **extra}


def play(server, user, *, started, seconds, view_offset, paused=0, metadata=None, **fields):
    session = stopped_session(
        server,
        user,
        started=started,
        seconds=seconds,
        paused=paused,
        view_offset=view_offset,
        **fields,
    )
    row = write_session_history(session, metadata if metadata is not None else movie_metadata())
    session.delete()  # as on_stop does once history is written (reference 3.4)
    return row


# --- writing ----------------------------------------------------------------------------------------


def test_forty_minute_movie_with_five_minutes_paused_is_one_row(server, user):
    row = play(
        server, user, started=T0, seconds=40 * MIN, paused=5 * MIN, view_offset=35 * MIN * 1000
    )

    assert History.objects.count() == 1
    row = History.objects.get(pk=row.pk)
    assert row.play_duration == 35 * MIN
    assert row.paused_counter == 5 * MIN
    assert row.view_offset == 35 * MIN * 1000
    assert (to_epoch(row.started), to_epoch(row.stopped)) == (T0, T0 + 40 * MIN)
    assert row.reference_id == row.pk
    assert (row.user_id, row.username, row.media_type, row.rating_key) == (
        1001,
        "alice",
        "movie",
        500,
    )
    assert SessionContinued.objects.get().stopped == T0 + 40 * MIN


def test_explicit_stop_time_overrides_the_stored_last_update(server, user):
    session = stopped_session(server, user, started=T0, seconds=10 * MIN)
    row = write_session_history(session, movie_metadata(), stopped=T0 + 30 * MIN)
    assert row.play_duration == 30 * MIN
    assert to_epoch(History.objects.get().stopped) == T0 + 30 * MIN


def test_session_continued_is_upserted_per_user_machine_and_type(server, user):
    play(server, user, started=T0, seconds=10 * MIN, view_offset=1000)
    play(server, user, started=T0 + DAY, seconds=10 * MIN, view_offset=2000)
    assert list(
        SessionContinued.objects.values_list("user_id", "machine_id", "media_type", "stopped")
    ) == [(1001, "tv-1", "movie", T0 + DAY + 10 * MIN)]


def test_write_takes_a_fixed_number_of_queries(server, user, django_assert_max_num_queries):
    play(server, user, started=T0, seconds=30 * MIN, view_offset=30 * MIN * 1000)
    session = stopped_session(
        server, user, started=T0 + DAY, seconds=30 * MIN, view_offset=60 * MIN * 1000
    )
    with django_assert_max_num_queries(12):
        row = write_session_history(session, movie_metadata())
    assert row.reference_id != row.pk


def test_database_error_propagates_and_writes_nothing(server, user, monkeypatch):
    session = stopped_session(server, user, started=T0, seconds=30 * MIN)

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(HistoryMediaInfo.objects, "create", fail)
    with pytest.raises(DatabaseError):
        write_session_history(session, movie_metadata())
    assert History.objects.count() == 0
    assert HistoryMetadata.objects.count() == 0
    assert SessionContinued.objects.count() == 0  # one transaction: the caller retries it all


# --- grouping (reference 3.6) -------------------------------------------------------------------------


def test_resume_next_day_of_an_unwatched_movie_continues_the_play(server, user):
    first = play(server, user, started=T0, seconds=50 * MIN, view_offset=50 * MIN * 1000)
    second = play(server, user, started=T0 + DAY, seconds=60 * MIN, view_offset=110 * MIN * 1000)

    rows = list(History.objects.order_by("id").values_list("id", "reference_id"))
    assert rows == [(first.pk, first.pk), (second.pk, first.pk)]


def test_a_third_resume_keeps_the_first_plays_reference(server, user):
    first = play(server, user, started=T0, seconds=30 * MIN, view_offset=30 * MIN * 1000)
    play(server, user, started=T0 + DAY, seconds=30 * MIN, view_offset=60 * MIN * 1000)
    third = play(server, user, started=T0 + 2 * DAY, seconds=30 * MIN, view_offset=90 * MIN * 1000)
    assert History.objects.get(pk=third.pk).reference_id == first.pk


def test_replay_after_a_watched_play_starts_a_new_play(server, user):
    play(server, user, started=T0, seconds=115 * MIN, view_offset=115 * MIN * 1000)  # 96 %
    replay = play(server, user, started=T0 + DAY, seconds=10 * MIN, view_offset=119 * MIN * 1000)
    assert History.objects.get(pk=replay.pk).reference_id == replay.pk


def test_restart_from_an_earlier_offset_starts_a_new_play(server, user):
    play(server, user, started=T0, seconds=60 * MIN, view_offset=60 * MIN * 1000)
    restart = play(server, user, started=T0 + DAY, seconds=10 * MIN, view_offset=10 * MIN * 1000)
    assert History.objects.get(pk=restart.pk).reference_id == restart.pk


def test_credits_marker_makes_the_previous_play_watched(server, user, settings):
    settings.WATCHED_MARKER = 3
    metadata = movie_metadata(marker_credits_first=100 * MIN * 1000)  # credits at 83 %
    play(
        server, user, started=T0, seconds=101 * MIN, view_offset=101 * MIN * 1000, metadata=metadata
    )
    replay = play(
        server,
        user,
        started=T0 + DAY,
        seconds=10 * MIN,
        view_offset=110 * MIN * 1000,
        metadata=metadata,
    )
    assert History.objects.get(pk=replay.pk).reference_id == replay.pk


def test_other_users_and_items_do_not_group(server, user):
    bob = baker.make(User, user_id=2002, username="bob")
    play(server, user, started=T0, seconds=30 * MIN, view_offset=30 * MIN * 1000)
    other_user = play(server, bob, started=T0 + DAY, seconds=30 * MIN, view_offset=60 * MIN * 1000)
    other_item = play(
        server,
        user,
        started=T0 + DAY,
        seconds=30 * MIN,
        view_offset=60 * MIN * 1000,
        rating_key=501,
    )
    assert History.objects.get(pk=other_user.pk).reference_id == other_user.pk
    assert History.objects.get(pk=other_item.pk).reference_id == other_item.pk


def test_resumed_movie_is_one_play_in_get_history(server, user, call_api):
    play(server, user, started=T0, seconds=50 * MIN, view_offset=50 * MIN * 1000)
    play(server, user, started=T0 + DAY, seconds=60 * MIN, view_offset=110 * MIN * 1000)

    status, body = call_api("get_history", grouping=1)
    data = body["response"]["data"]
    assert status == 200
    assert [(row["group_count"], row["play_duration"]) for row in data["data"]] == [(2, 110 * MIN)]


def live_session(server, user, *, started, guid, seconds=30 * MIN):
    return stopped_session(
        server,
        user,
        started=started,
        seconds=seconds,
        media_type="episode",
        live=1,
        rating_key=9000,
        section_id=None,
        guid=guid,
        title="News",
        channel_title="NBC",
        channel_call_sign="WNBC",
        duration=3600 * 1000,
        view_offset=30 * MIN * 1000,
    )


def test_live_tv_groups_the_same_programme_within_a_day(server, user):
    first = write_session_history(
        live_session(server, user, started=T0, guid="plex://episode/a"), None
    )
    same = write_session_history(
        live_session(server, user, started=T0 + 2 * 3600, guid="plex://episode/a"), None
    )
    other = write_session_history(
        live_session(server, user, started=T0 + 3 * 3600, guid="plex://episode/b"), None
    )
    later = write_session_history(
        live_session(server, user, started=T0 + 3 * 3600 + DAY + 1, guid="plex://episode/b"), None
    )

    rows = dict(History.objects.values_list("id", "reference_id"))
    assert rows == {first.pk: first.pk, same.pk: first.pk, other.pk: other.pk, later.pk: later.pk}
    meta = HistoryMetadata.objects.get(pk=first.pk)
    assert (meta.live, meta.guid, meta.channel_title, meta.channel_call_sign, meta.title) == (
        True,
        "plex://episode/a",
        "NBC",
        "WNBC",
        "News",
    )


# --- logging criteria (reference 3.5 step 3) ---------------------------------------------------------


def episode(server, user, *, seconds):
    session = stopped_session(
        server,
        user,
        started=T0,
        seconds=seconds,
        media_type="episode",
        rating_key=700,
        duration=45 * MIN * 1000,
        view_offset=seconds * 1000,
    )
    return write_session_history(session, movie_metadata(duration=45 * MIN * 1000))


def test_ninety_second_episode_is_not_logged(server, user):
    assert episode(server, user, seconds=90) is None
    assert History.objects.count() == 0
    assert SessionContinued.objects.count() == 1  # the stop is still remembered


def test_ignore_interval_counts_play_time_without_pauses(server, user):
    session = stopped_session(server, user, started=T0, seconds=200, paused=100)
    assert write_session_history(session, movie_metadata()) is None


def test_ignore_interval_zero_logs_short_episodes(server, user, settings):
    settings.LOGGING_IGNORE_INTERVAL = 0
    row = episode(server, user, seconds=90)
    assert row is not None
    assert History.objects.get().play_duration == 90


def test_ten_second_track_is_a_skip(server, user):
    track = stopped_session(
        server, user, started=T0, seconds=10, media_type="track", rating_key=800, duration=200_000
    )
    assert write_session_history(track, {"section_id": 1, "duration": 200_000}) is None
    assert History.objects.count() == 0


def test_short_track_and_long_enough_play_are_logged(server, user):
    short = stopped_session(
        server, user, started=T0, seconds=10, media_type="track", rating_key=801, duration=20_000
    )
    full = stopped_session(
        server, user, started=T0, seconds=20, media_type="track", rating_key=802, duration=200_000
    )
    assert write_session_history(short, {"duration": 20_000}) is not None
    assert write_session_history(full, {"duration": 200_000}) is not None
    assert History.objects.count() == 2


@pytest.mark.parametrize(
    "fields",
    [{"media_type": "clip"}, {"media_type": "photo"}, {"rating_key": None}],
)
def test_other_media_is_not_logged(server, user, fields):
    session = stopped_session(server, user, started=T0, seconds=30 * MIN, **fields)
    assert write_session_history(session, movie_metadata()) is None
    assert History.objects.count() == 0


def test_user_with_keep_history_off_is_not_logged(server, user):
    User.objects.filter(pk=user.pk).update(keep_history=False)
    assert play(server, user, started=T0, seconds=30 * MIN, view_offset=1000) is None
    assert History.objects.count() == 0


def test_library_with_keep_history_off_is_not_logged(server, user):
    baker.make(Library, server=server, section_id=1, keep_history=False)
    other_server = baker.make(Server, name="other", machine_identifier="def")
    baker.make(Library, server=other_server, section_id=2, keep_history=False)

    assert play(server, user, started=T0, seconds=30 * MIN, view_offset=1000) is None
    # The same section id on another server with keep_history off does not matter.
    assert (
        play(
            server,
            user,
            started=T0,
            seconds=30 * MIN,
            view_offset=1000,
            section_id=2,
            metadata=movie_metadata(section_id=2),
        )
        is not None
    )
    assert History.objects.count() == 1


def test_unknown_user_gets_a_placeholder_and_history(server):
    stranger = User(user_id=3003, username="carol")
    row = play(server, stranger, started=T0, seconds=30 * MIN, view_offset=1000)
    assert row is not None
    created = User.objects.get(user_id=3003)
    assert (created.username, created.placeholder) == ("carol", True)


# --- columns copied ---------------------------------------------------------------------------------


def test_metadata_and_media_info_columns_are_copied(server, user):
    session = stopped_session(
        server,
        user,
        started=T0,
        seconds=30 * MIN,
        media_type="episode",
        rating_key=701,
        parent_rating_key=70,
        grandparent_rating_key=7,
        title="Pilot",
        parent_title="Season 1",
        grandparent_title="The Show",
        full_title="The Show - Pilot",
        thumb="/library/metadata/701/thumb/1",
        view_offset=20 * MIN * 1000,
        ip_address="10.0.0.5",
        product="Plex for Roku",
        bandwidth=8000,
        location="lan",
        quality_profile="Original",
        secure=1,
        relayed=0,
        video_decision="transcode",
        audio_decision="copy",
        transcode_decision="transcode",
        container="mkv",
        bitrate=10_000,
        video_codec="hevc",
        video_resolution="1080",
        stream_video_codec="h264",
        audio_channels=6,
        transcode_hw_encoding=1,
        raw_stream_info=json.dumps(
            {
                "product_version": "13.4.1",
                "platform_version": "12.0",
                "profile": "Roku",
                "video_bit_depth": "10",
                "transcode_hw_encode_title": "Intel Quick Sync",
                "title": "ignored: the row's own column wins",
            }
        ),
    )
    metadata = {
        "section_id": 2,
        "media_index": 1,
        "parent_media_index": 1,
        "art": "/art",
        "year": 2024,
        "originally_available_at": "2024-01-02",
        "added_at": T0 - DAY,
        "updated_at": "1789862400",
        "content_rating": "TV-14",
        "summary": "It begins.",
        "rating": "8.1",
        "duration": 45 * MIN * 1000,
        "guid": "plex://episode/pilot",
        "directors": ["Ann", "Bo"],
        "genres": "Drama;Crime",
        "studio": "HBO",
        "markers": [
            {"type": "intro", "start_time_offset": 1000, "first": False, "final": False},
            {"type": "credits", "start_time_offset": 2_500_000, "first": True, "final": False},
            {"type": "credits", "start_time_offset": 2_650_000, "first": False, "final": True},
        ],
    }

    row = write_session_history(session, metadata)

    history = History.objects.get(pk=row.pk)
    assert (history.section_id, history.ip_address, history.product, history.product_version) == (
        2,
        "10.0.0.5",
        "Plex for Roku",
        "13.4.1",
    )
    assert (history.platform_version, history.profile, history.secure, history.relayed) == (
        "12.0",
        "Roku",
        True,
        False,
    )
    assert (history.parent_rating_key, history.grandparent_rating_key) == (70, 7)

    meta = HistoryMetadata.objects.get(pk=row.pk)
    assert (meta.title, meta.parent_title, meta.grandparent_title, meta.full_title) == (
        "Pilot",
        "Season 1",
        "The Show",
        "The Show - Pilot",
    )
    assert (meta.media_index, meta.year, meta.duration, meta.guid) == (
        1,
        2024,
        45 * MIN * 1000,
        "plex://episode/pilot",
    )
    assert (meta.directors, meta.genres, meta.studio, meta.live) == (
        "Ann;Bo",
        "Drama;Crime",
        "HBO",
        False,
    )
    assert (to_epoch(meta.added_at), to_epoch(meta.updated_at)) == (T0 - DAY, 1_789_862_400)
    assert (meta.marker_credits_first, meta.marker_credits_final) == (2_500_000, 2_650_000)
    assert meta.thumb == "/library/metadata/701/thumb/1"

    info = HistoryMediaInfo.objects.get(pk=row.pk)
    assert (info.transcode_decision, info.video_decision, info.audio_decision) == (
        "transcode",
        "transcode",
        "copy",
    )
    assert (info.container, info.bitrate, info.video_codec, info.stream_video_codec) == (
        "mkv",
        10_000,
        "hevc",
        "h264",
    )
    assert (info.audio_channels, info.video_bit_depth, info.transcode_hw_encode_title) == (
        6,
        10,
        "Intel Quick Sync",
    )
    assert info.rating_key == 701


# --- watched rule (reference 3.6) -------------------------------------------------------------------

D = 100_000  # duration, ms: 85 % = 85_000
FIRST, FINAL = 80_000, 95_000


@pytest.mark.parametrize(
    ("marker", "offset", "first", "final", "expected"),
    [
        # 0: percent only, markers ignored
        (0, 84_999, FIRST, FINAL, False),
        (0, 85_000, FIRST, FINAL, True),
        # 1: final credits marker; falls back to the percent without one
        (1, 90_000, FIRST, FINAL, False),
        (1, 95_000, FIRST, FINAL, True),
        (1, 85_000, FIRST, None, True),
        (1, 84_000, None, None, False),
        # 2: first credits marker; falls back to the percent without one
        (2, 80_000, FIRST, FINAL, True),
        (2, 79_999, FIRST, FINAL, False),
        (2, 85_000, None, FINAL, True),
        (2, 84_999, None, FINAL, False),
        # 3: the earlier of the percent and the first credits marker
        (3, 80_000, FIRST, FINAL, True),
        (3, 79_999, FIRST, FINAL, False),
        (3, 85_000, 90_000, None, True),
        (3, 84_999, 90_000, None, False),
        (3, 85_000, None, FINAL, True),
        (3, 84_999, None, FINAL, False),
    ],
)
def test_is_watched(marker, offset, first, final, expected):
    assert is_watched("movie", offset, D, first, final, watched_marker=marker) is expected


@pytest.mark.parametrize(
    ("media_type", "offset", "expected"),
    [
        ("movie", 90_000, True),  # 90 %
        ("movie", 89_999, False),
        ("episode", 50_000, True),  # 50 %
        ("clip", 50_000, True),  # clips use the TV percent
        ("track", 70_000, True),  # 70 %
        ("track", 69_999, False),
        ("photo", 100_000, False),  # never watched
        (None, 100_000, False),
    ],
)
def test_check_watched_uses_the_percent_of_the_media_type(settings, media_type, offset, expected):
    settings.MOVIE_WATCHED_PERCENT = 90
    settings.TV_WATCHED_PERCENT = 50
    settings.MUSIC_WATCHED_PERCENT = 70
    settings.WATCHED_MARKER = 0
    assert check_watched(media_type, offset, D) is expected


def test_is_watched_treats_missing_values_as_zero():
    assert is_watched("movie", None, D, None, None) is False
    # An item of unknown length has no threshold to reach: never watched (the same rule
    # get_history's watched_status uses, so a replay of it groups as a continuation).
    assert is_watched("movie", 10, None, None, None) is False
    assert is_watched("movie", 50_000, D, None, None, watched_percent=50) is True
