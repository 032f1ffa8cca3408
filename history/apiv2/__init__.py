"""/api/v2 commands of the history app: the history table, and the statistics of an item, a
library and a user read from history (watch time, users, players, IP addresses); maintenance
(regrouping, deleting a user's or a library's history, re-keying an item)."""

from . import history_table, maintenance, user_stats  # noqa: F401 - registers the commands
