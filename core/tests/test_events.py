"""The notify actions: Tautulli's 22, in its `notifiers` column order, and their groups."""

import re

from core.events import MONITOR_ACTIONS, SERVER_ACTIONS, STREAM_ACTIONS, Action


def test_the_actions_are_the_on_columns_of_tautullis_notifiers_table_in_order(shared_dir):
    schema = (shared_dir / "tautulli-db" / "schema.sql").read_text()
    notifiers = next(line for line in schema.splitlines() if "CREATE TABLE notifiers " in line)
    enabled_columns = re.findall(r"\b(on_[a-z]+) INTEGER\b", notifiers)

    assert len(Action) == 22
    assert list(Action.values) == enabled_columns


def test_every_action_has_a_label_of_its_own():
    labels = [label for _, label in Action.choices]
    assert all(labels) and len(set(labels)) == len(labels)
    assert Action("on_play") is Action.PLAY and Action.PLAY == "on_play"


def test_the_monitors_actions_are_the_stream_and_server_ones_and_plex_housekeeping():
    assert not STREAM_ACTIONS & SERVER_ACTIONS
    assert MONITOR_ACTIONS == STREAM_ACTIONS | SERVER_ACTIONS | {
        Action.CREATED,
        Action.PMSUPDATE,
        Action.TOKENEXPIRED,
    }
    assert {"on_intdown", "on_intup", "on_extdown", "on_extup"} == SERVER_ACTIONS
    assert "on_play" in STREAM_ACTIONS and "on_created" not in STREAM_ACTIONS
    # Tautulli's own housekeeping: its update (not applicable) and the backup's integrity check.
    assert set(Action) - MONITOR_ACTIONS == {Action.PLEXPYUPDATE, Action.PLEXPYDBCORRUPT}
