"""/api/v2 commands of the history app: the history table, and the statistics of an item, a
library and a user read from history (watch time, users, players, IP addresses)."""

from . import history_table, user_stats  # noqa: F401 - registers the commands
