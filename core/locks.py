"""A named lock shared by every process of the installation, taken without waiting.

:func:`try_lock` is for work that only one process needs to do at a time and that the others may
skip (a reader bringing a derived table up to date while another reader already does):

* PostgreSQL: a transaction-level advisory lock (``pg_try_advisory_xact_lock``) in a
  transaction opened for the block, so it covers every process and host using the database and
  cannot outlive an error;
* SQLite: ``flock`` on a file of ``DATA_DIR/locks`` named after the database and the lock (one
  host, as SQLite is).
"""

import fcntl
import hashlib
import zlib
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction


@contextmanager
def try_lock(name: str):
    """A context manager yielding True when the lock ``name`` was taken (released on exit),
    False at once when another process or thread holds it."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [zlib.crc32(name.encode())])
            yield cursor.fetchone()[0]
        return
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:16]
    path = Path(settings.DATA_DIR) / "locks" / f"{database}-{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
