"""Fixtures of the /api/v2 robustness tests: seeded data, and the parameters each command reads."""

import datetime as dt

import pytest
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from core.tautulli_api import Params
from core.tautulli_api.dispatcher import RESERVED_PARAMS
from history.models import HistoryMediaInfo, HistoryMetadata
from libraries.models import Library
from servers.models import Server
from stats.rollup import sync_rollup
from users.models import User

# Parameters read only on some paths (found by reading the commands); every command may get them.
EXTRA_NAMES = [
    "json_data",
    "row_ids",
    "start",
    "length",
    "search",
    "order_column",
    "order_dir",
    "server",
    "user_id",
    "section_id",
    "rating_key",
    "parent_rating_key",
    "grandparent_rating_key",
    "reference_id",
    "query_days",
    "time_range",
    "after",
    "before",
    "start_date",
    "stats_type",
    "stat_id",
    "friendly_name",
    "custom_thumb",
    "session_key",
    "session_id",
    "count",
    "out_type",
    "debug",
    "grouping",
    "y_axis",
]

# --- which parameters each command reads ------------------------------------------------------


class _RecordingDict(dict):
    """The parameters of a Params, noting every key asked for."""

    seen: set[str] = set()

    def get(self, key, default=None):
        _RecordingDict.seen.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        _RecordingDict.seen.add(key)
        return super().__contains__(key)


_READ_PARAMS: dict[str, list[str]] = {}


@pytest.fixture
def read_params(monkeypatch, client, api_key):
    """``read_params(cmd)`` → the sorted parameter names ``cmd`` reads, called without
    parameters and with every name of :data:`EXTRA_NAMES` set (found once per command)."""
    original = Params.__init__

    def recording_init(self, data):
        original(self, data)
        self._data = _RecordingDict(self._data)

    def read(cmd):
        if cmd in _READ_PARAMS:
            return _READ_PARAMS[cmd]
        _RecordingDict.seen = set()
        monkeypatch.setattr(Params, "__init__", recording_init)
        try:
            client.get("/api/v2", {"apikey": api_key, "cmd": cmd})
            client.get(
                "/api/v2",
                {"apikey": api_key, "cmd": cmd, **{name: "1" for name in EXTRA_NAMES}},
            )
        finally:
            monkeypatch.setattr(Params, "__init__", original)
        _READ_PARAMS[cmd] = sorted(_RecordingDict.seen - RESERVED_PARAMS)
        return _READ_PARAMS[cmd]

    return read


# --- data the commands run over -----------------------------------------------------------------


@pytest.fixture
def seeded(db, settings):
    """A server (at a closed port: Plex calls fail at once), two users, two libraries and a few
    plays, so commands run their real queries."""
    server = Server.objects.create(
        name="Hostile", machine_identifier="hostile-pms", url="http://127.0.0.1:9", token="t"
    )
    users = [
        User.objects.create(user_id=7001, username="alice", friendly_name="Alice"),
        User.objects.create(user_id=7002, username="bob"),
    ]
    baker.make(Library, server=server, section_id=11, section_name="Movies", section_type="movie")
    baker.make(Library, server=server, section_id=12, section_name="Shows", section_type="show")
    for day in range(6):
        play = bake_play(
            server,
            users[day % 2],
            stopped=FROZEN_NOW - dt.timedelta(days=day, hours=1),
            seconds=1800,
            media_type="movie" if day % 2 else "episode",
            section_id=11 if day % 2 else 12,
            rating_key=50_000 + day,
            parent_rating_key=40_000,
            grandparent_rating_key=30_000,
        )
        baker.make(HistoryMetadata, history=play, title=f"Item {day}", rating_key=play.rating_key)
        baker.make(HistoryMediaInfo, history=play, transcode_decision="direct play")
    # Derived tables as the every-minute task leaves them, so a read changes nothing.
    sync_rollup()
    return server
