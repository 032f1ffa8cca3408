"""Derived tables are up to date whenever they are read: reading the play groups or the rollups
through their ``objects`` manager syncs them first (no reader calls a sync function), once per
read scope (:mod:`core.freshness`), while ``unsynced`` reads them as stored."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from conftest import bake_play
from core.freshness import fresh_reads
from history.models import (
    History,
    HistoryGroup,
    HistoryGroupDirty,
    HistoryGroupState,
    HistoryGroupUserTotal,
)
from servers.models import Server
from stats.graphs import plays_by_date
from stats.models import DailyConcurrency, DailyPlays, RollupDirtyDay
from stats.window import StatsWindow
from users.models import User

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 3)


@pytest.fixture
def server():
    return baker.make(Server, name="Main")


@pytest.fixture
def user():
    return baker.make(User, user_id=1001, username="jon")


def play(server, user, day=DAY):
    stopped = timezone.make_aware(dt.datetime.combine(day, dt.time(20)))
    return bake_play(server, user, stopped=stopped, seconds=600, media_type="movie", section_id=1)


def sqls(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def test_reading_the_groups_brings_them_up_to_date(server, user):
    row = play(server, user)
    assert HistoryGroupDirty.objects.exists()  # queued by the triggers, not synced yet
    assert not HistoryGroup.unsynced.filter(pk=row.pk).exists()  # as stored

    assert HistoryGroup.objects.filter(pk=row.pk).exists()
    assert not HistoryGroupDirty.objects.exists()
    assert HistoryGroupState.objects.get().rows == 1
    assert HistoryGroupUserTotal.objects.get(user_id=1001).groups == 1

    History.objects.filter(pk=row.pk).delete()
    assert HistoryGroupState.objects.get().rows == 0
    assert not HistoryGroup.objects.exists()


def test_reading_the_rollups_brings_them_up_to_date(server, user):
    window = StatsWindow(first_day=DAY, last_day=DAY)
    assert plays_by_date(window)["series"][-1]["data"] == [0]
    play(server, user)
    play(server, user)
    assert not DailyPlays.unsynced.exists()  # as stored: the new plays are only queued
    assert plays_by_date(window)["series"][-1]["data"] == [2]  # no sync_rollup() by hand
    assert not RollupDirtyDay.objects.exists()
    assert DailyConcurrency.objects.get(date=DAY, server_id=None, transcode_decision="").peak == 2


def test_a_read_scope_syncs_each_table_once(server, user):
    play(server, user)
    DailyPlays.objects.exists()  # the sync's work done: what follows only checks the queues
    with fresh_reads(), CaptureQueriesContext(connection) as queries:
        list(DailyPlays.objects.all())  # syncs the groups and the rollups, then reads
        list(DailyPlays.objects.all())
        list(HistoryGroup.objects.all())  # synced with the rollups: no check of its own
        with fresh_reads():  # nested: the same scope
            list(DailyConcurrency.objects.all())
    checks = [sql for sql in sqls(queries) if "historygroupdirty" in sql.lower()]
    assert len(checks) == 1 and len([s for s in sqls(queries) if "stats_dailyplays" in s]) >= 2

    # Outside a scope every read checks again (cheap: nothing changed).
    with CaptureQueriesContext(connection) as queries:
        list(HistoryGroup.objects.all())
        list(HistoryGroup.objects.all())
    assert len([sql for sql in sqls(queries) if "historygroupdirty" in sql.lower()]) == 2


def test_a_scope_retries_a_sync_that_failed(monkeypatch, server, user):
    from history import grouping

    calls = []
    original = grouping.sync_groups

    def failing_once():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        original()

    monkeypatch.setattr(grouping, "sync_groups", failing_once)
    monkeypatch.setattr("core.freshness._functions", {})
    play(server, user)
    with fresh_reads():
        with pytest.raises(RuntimeError):
            HistoryGroup.objects.all()
        assert HistoryGroup.objects.count() == 1
        HistoryGroup.objects.all()
    assert len(calls) == 2


def test_an_api_request_syncs_once_whatever_it_reads(server, user, call_api):
    def top_users_plays():
        status, body = call_api("get_home_stats", after="2026-03-01", before="2026-03-07")
        assert status == 200
        cards = {card["stat_id"]: card["rows"] for card in body["response"]["data"]}
        return [row["total_plays"] for row in cards["top_users"]]

    play(server, user)
    assert top_users_plays() == [1]  # counted at once, without any sync by hand
    play(server, user)
    assert top_users_plays() == [2]
    with CaptureQueriesContext(connection) as queries:
        top_users_plays()  # eleven cards, each reading a rollup: one check of each queue
    assert len([s for s in sqls(queries) if "historygroupdirty" in s.lower()]) == 1
    assert len([s for s in sqls(queries) if "stats_rollupdirtyday" in s.lower()]) == 1


def test_a_read_does_not_wait_for_another_readers_sync(server, user):
    """While another reader (thread or process) syncs the groups, a read sees them as they are
    instead of waiting; once it is done, the next read syncs."""
    import threading

    from django.db import connections

    from core.locks import try_lock

    row = play(server, user)
    holding, release = threading.Event(), threading.Event()

    def other_reader():
        try:
            with try_lock("history-groups") as taken:
                assert taken
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_reader)
    thread.start()
    try:
        assert holding.wait(30)
        assert not HistoryGroup.objects.filter(pk=row.pk).exists()  # not waited for
        assert HistoryGroupDirty.objects.exists()
    finally:
        release.set()
        thread.join(30)
    assert HistoryGroup.objects.filter(pk=row.pk).exists()
