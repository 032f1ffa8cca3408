"""Signals of the history app."""

from django.dispatch import Signal

# Sent (inside the transaction) when play groups were recomputed, by history.grouping.
# ``spans``: list of (first_started, last_started) epoch seconds of every changed play, before
# and after the change; ``everything``: True when all groups were rebuilt (spans is then empty).
groups_changed = Signal()
