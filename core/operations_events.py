"""The operations events other features react to (the notifications pipeline turns them into
notifications). Defined here, in the foundation, so that the backups app sends them and the
notifications app receives them without either importing the other.

Sent with keyword arguments only:

* :data:`database_corrupt` — ``backup_id: int, file_name: str, reasons: list[str]``: a database
  backup's verification failed (``PRAGMA integrity_check`` of the copy not ``ok``, a restore into
  the scratch database that failed, or a table whose row count differs from the source's at the
  time of the copy). ``reasons`` are short texts for people, e.g. ``"history: source 120, copy
  118"``. Becomes Tautulli's on_plexpydbcorrupt (:mod:`notifications.operations`).
"""

from django.dispatch import Signal

database_corrupt = Signal()
