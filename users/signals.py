"""Signals of the users app: what other apps must do when users change."""

from django.dispatch import Signal

# Sent by delete_user, inside its transaction, with ``user_ids`` (plex.tv ids) of the users just
# flagged deleted: Tautulli erases their history (the history app's receiver does).
users_deleted = Signal()
