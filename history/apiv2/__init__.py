"""/api/v2 commands of the history app: the history table, and per-item statistics."""

from . import history_table, item_stats  # noqa: F401 - registers the commands
