"""A live session's state: PMS's player states as stored, and which of them are still going on."""

import pytest
from model_bakery import baker

from servers.models import ACTIVE_STATES, Server, Session, SessionState

pytestmark = pytest.mark.django_db


def test_the_states_are_pmss_player_states_and_ours_for_a_pending_history_write():
    assert Session.State is SessionState
    assert SessionState.values == ["playing", "paused", "buffering", "error", "stopped"]
    assert ACTIVE_STATES == ("playing", "paused", "buffering")


def test_active_sessions_are_those_playing_paused_or_buffering():
    server = baker.make(Server)
    rows = {
        state: baker.make(Session, server=server, state=state)
        for state in ("playing", "paused", "buffering", "error", "stopped", "unknown", None)
    }
    active = set(Session.objects.active().values_list("state", flat=True))
    assert active == {"playing", "paused", "buffering"}
    assert rows["unknown"].get_state_display() == "unknown"  # kept as PMS said it
    assert rows["stopped"].get_state_display() == "Stopped, history not written yet"
