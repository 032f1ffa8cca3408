"""Signals of the history app."""

from django.dispatch import Signal

# Sent (inside the transaction) when play groups were recomputed, by history.grouping.
# ``spans``: list of (first start, last start or stop) epoch seconds of every changed play, before
# and after the change (every row of the play started and stopped between the two); ``everything``: True when all groups were rebuilt (spans is then empty).
groups_changed = Signal()
