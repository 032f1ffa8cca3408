"""The statistics' domain functions take typed values (dates, ids, enums, a Server) and reject
input that makes no sense with :class:`core.errors.InvalidInput`; only the API adapters read
Tautulli's string parameters. The messages are the ones clients have always seen."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils.module_loading import import_string
from model_bakery import baker

from core.errors import InvalidInput
from core.tautulli_api import ApiError, Params
from servers.models import Server
from stats.api_growth import growth_from_params
from stats.api_params import graph_window_from_params, window_from_params
from stats.graphs import window_for
from stats.home_stats import StatsType, home_stats
from stats.library_growth import GrowthAxis, growth_window, library_growth
from stats.window import FIRST_DATE, LAST_DATE, MAX_DAYS, StatsWindow, YAxis

pytestmark = pytest.mark.django_db

MARCH_1, MARCH_7 = dt.date(2026, 3, 1), dt.date(2026, 3, 7)


def test_a_window_is_built_from_typed_values():
    server = baker.make(Server, name="Main")
    window = StatsWindow.build(
        after=MARCH_1,
        before=MARCH_7,
        user_ids=[1001, 1002],
        section_ids=(2,),
        server=server,
        grouping=False,
        y_axis="duration",
    )
    assert window == StatsWindow(
        first_day=MARCH_1,
        last_day=MARCH_7,
        user_ids=(1001, 1002),
        section_ids=(2,),
        server_id=server.pk,
        grouping=False,
        y_axis=YAxis.DURATION,
    )
    assert StatsWindow.build(before=MARCH_7, time_range=7).first_day == MARCH_1
    assert StatsWindow.build(server=server.pk).server_id == server.pk
    assert StatsWindow.build().grouping == settings.GROUP_HISTORY_TABLES
    monthly = window_for("plays_per_month", before=MARCH_7, time_range=3)
    assert (monthly.first_day, monthly.last_day) == (dt.date(2026, 1, 1), MARCH_7)
    assert window_for("plays_by_date", before=MARCH_7).first_day == MARCH_7 - dt.timedelta(29)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"after": MARCH_7, "before": MARCH_1}, "Parameter after must not be later than before"),
        (
            {"after": dt.date(1, 1, 1), "before": dt.date(9999, 12, 31)},
            f"The range must be shorter than {MAX_DAYS} days",
        ),
        ({"time_range": 0}, "Parameter time_range must be at least 1"),
        ({"y_axis": "bogus"}, "Parameter y_axis must be plays or duration"),
    ],
)
def test_a_window_that_makes_no_sense_is_invalid_input(arguments, message):
    with pytest.raises(InvalidInput) as raised:
        StatsWindow.build(**arguments)
    assert raised.value.message.startswith(message)


@pytest.mark.parametrize(
    ("arguments", "days"),
    [
        ({"before": dt.date(1, 1, 1)}, (FIRST_DATE, FIRST_DATE)),
        ({"before": dt.date(1970, 1, 1), "time_range": 1}, (FIRST_DATE, FIRST_DATE)),
        ({"after": dt.date(1, 1, 1)}, (FIRST_DATE, dt.date(2026, 11, 22))),
        (
            {"before": dt.date(9999, 12, 31), "time_range": 2},
            (LAST_DATE - dt.timedelta(1), LAST_DATE),
        ),
        (
            {"time_range": 10**18},
            (FIRST_DATE, dt.date(2026, 11, 22)),
        ),
    ],
)
def test_dates_beyond_the_usable_ones_mean_no_bound(arguments, days):
    """core.limits: a day before 1970-01-02 or after 9998-12-30 is the range's end, so
    ``before=9999-12-31`` is "no upper bound" rather than an error."""
    window = StatsWindow.build(**arguments)
    assert (window.first_day, window.last_day) == days


def test_the_adapter_reads_the_same_window_from_strings():
    server = baker.make(Server, name="Main", machine_identifier="main-machine")
    params = Params(
        {
            "after": "2026-03-01",
            "before": "2026-03-07",
            "user_id": "1001,1002",
            "section_id": "2",
            "server": "main-machine",
            "grouping": "0",
            "y_axis": "Duration",
        }
    )
    assert window_from_params(params) == StatsWindow.build(
        after=MARCH_1,
        before=MARCH_7,
        user_ids=(1001, 1002),
        section_ids=(2,),
        server=server,
        grouping=False,
        y_axis=YAxis.DURATION,
    )
    monthly = Params({"before": "2026-03-07", "time_range": "3"})
    assert graph_window_from_params("plays_per_month", monthly) == window_for(
        "plays_per_month", before=MARCH_7, time_range=3
    )
    # Malformed strings are the adapter's (ApiError); a bad range is the domain's. The range
    # is checked first, as it always was.
    with pytest.raises(ApiError, match="Parameter time_range must be an integer"):
        window_from_params(Params({"time_range": "abc"}))
    with pytest.raises(InvalidInput, match="after must not be later"):
        window_from_params(Params({"after": "2026-03-07", "before": "2026-03-01", "y_axis": "x"}))
    with pytest.raises(InvalidInput, match="Unknown server: nowhere"):
        window_from_params(Params({"server": "nowhere"}))


def test_library_growth_takes_a_typed_window_and_axis():
    window = growth_window(before=MARCH_7, time_range=2, section_ids=[3])
    assert (window.first_day, window.section_ids) == (dt.date(2026, 2, 1), (3,))
    window, axis = growth_from_params(Params({"before": "2026-03-07", "y_axis": "SIZE"}))
    assert axis is GrowthAxis.SIZE and window.first_day == dt.date(2025, 4, 1)
    assert library_growth(window, GrowthAxis.SIZE)["series"] == [
        {"name": "Total", "data": [0] * 12}
    ]
    with pytest.raises(InvalidInput):
        library_growth(window, "bytes")
    with pytest.raises(ApiError, match="Parameter y_axis must be count or size"):
        growth_from_params(Params({"y_axis": "plays"}))


def test_home_stats_reject_unknown_values_as_invalid_input():
    window = StatsWindow.build(after=MARCH_1, before=MARCH_7)
    assert [card["stat_id"] for card in home_stats(window, stat_ids=["top_users"])] == ["top_users"]
    assert home_stats(window, stat_ids=["top_tv"], stats_type=StatsType.DURATION)[0][
        "stat_type"
    ] == ("total_duration")
    for arguments in ({"stats_type": "bogus"}, {"stat_ids": ["nope"]}, {"stats_start": -1}):
        with pytest.raises(InvalidInput):
            home_stats(window, **arguments)


def test_the_dashboard_callback_path_still_resolves():
    from stats.dashboard.callback import dashboard_callback

    assert import_string(settings.UNFOLD["DASHBOARD_CALLBACK"]) is dashboard_callback
