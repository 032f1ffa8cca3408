"""Signals of the history app."""

from django.dispatch import Signal

# Sent (inside the transaction) when play groups were recomputed, by history.grouping.
# ``spans``: list of (first start, last start or stop) epoch seconds of every changed play, before
# and after the change (every row of the play started and stopped between the two); ``items``:
# set of (server_id, rating_key, parent_rating_key, grandparent_rating_key) of those plays'
# rows, before and after; ``everything``: True when all groups were rebuilt (spans and items
# are then empty).
groups_changed = Signal()
