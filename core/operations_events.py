"""The operations events other features react to (the notifications pipeline turns them into
notifications). Defined here, in the foundation, so that the backups app sends them and the
notifications app receives them without either importing the other.

Sent with keyword arguments only:

* :data:`database_corrupt` — ``backup_id: int, file_name: str, reasons: list[str]``: a database
  backup's verification failed (``PRAGMA integrity_check`` of the copy not ``ok``, a restore into
  the scratch database that failed, or a table whose row count differs from the source's at the
  time of the copy). ``reasons`` are short texts for people, e.g. ``"history: source 120, copy
  118"``. Becomes Tautulli's on_plexpydbcorrupt (:mod:`notifications.operations`).
* :data:`server_starting` — no arguments: the server is starting (``manage.py bootstrap``, run
  by the run script and the Docker image at every start, before the task workers and the
  monitor). Work that a previous run left half done is settled here (exports still "running").
"""

from django.dispatch import Signal

database_corrupt = Signal()
server_starting = Signal()
