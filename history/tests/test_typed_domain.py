"""History's domain functions take typed values; only the /api/v2 adapters read parameters."""

import datetime as dt

import pytest
from django.utils import timezone
from model_bakery import baker

from conftest import bake_play
from core.errors import InvalidInput
from core.tautulli_api import ApiError, Params
from core.timeutils import local_day_end, local_day_start, to_epoch
from history.apiv2.history_table import history_filters_from_params
from history.apiv2.params import query_days_param
from history.models import History
from history.stats import DEFAULT_QUERY_DAYS, watch_time_stats
from history.table import HistoryFilters
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db


def test_history_filters_from_typed_values_and_from_parameters():
    server = baker.make(Server, name="Main")
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 7)
    filters = HistoryFilters.build(
        user_ids=[1001], media_types=["movie"], server=server, after=first, before=last
    )
    assert filters.server_id == server.pk and filters.user_ids == [1001]
    assert filters.intervals == [(to_epoch(local_day_start(first)), to_epoch(local_day_end(last)))]
    assert HistoryFilters.build() == HistoryFilters() and HistoryFilters.build().is_empty()
    params = Params(
        {
            "user_id": "1001",
            "user": "ignored when user_id is given",
            "media_type": "movie",
            "transcode_decision": "all",
            "guid": "plex://movie/abc?lang=en",
            "after": "2026-03-03,2026-03-01",
            "before": "2026-03-07",
        }
    )
    assert history_filters_from_params(params, server=server) == HistoryFilters.build(
        user_ids=[1001],
        media_types=["movie"],
        guids=["plex://movie/abc"],
        server=server,
        after=first,  # several values: the widest
        before=last,
    )
    with pytest.raises(ApiError, match="Parameter before must be a date"):
        history_filters_from_params(Params({"before": "yesterday"}))


def test_watch_time_stats_take_days_and_grouping():
    server = baker.make(Server, name="Main")
    user = baker.make(User, user_id=1001, username="jon")
    now = timezone.now()
    first = bake_play(server, user, stopped=now - dt.timedelta(hours=2), seconds=600)
    bake_play(server, user, stopped=now - dt.timedelta(hours=1), seconds=300, continues=first)
    history = History.objects.for_user(1001)
    assert watch_time_stats(history, [1, 0], grouping=True, now=now) == [
        {"query_days": 1, "total_time": 900, "total_plays": 1},
        {"query_days": 0, "total_time": 900, "total_plays": 1},
    ]
    assert [row["query_days"] for row in watch_time_stats(history, grouping=False)] == list(
        DEFAULT_QUERY_DAYS
    )
    with pytest.raises(InvalidInput):
        watch_time_stats(history, [-1], grouping=True)
    assert query_days_param(Params({"query_days": "30, 0"})) == [30, 0]
    # Beyond a hundred years back is before any play: all time, not a date Python cannot hold.
    assert watch_time_stats(history, [2_932_897, 2**62], grouping=True, now=now) == [
        {"query_days": 2_932_897, "total_time": 900, "total_plays": 1},
        {"query_days": 2**62, "total_time": 900, "total_plays": 1},
    ]
    with pytest.raises(ApiError, match="must be at least 0"):
        query_days_param(Params({"query_days": "-1"}))
