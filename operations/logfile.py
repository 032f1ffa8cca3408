"""The application log file: a size-rotated file shared by every process of the installation.

``LOG_FILE`` (default ``DATA_DIR/logs/tautulli.log``) is written by the web workers, the
django-q2 cluster and the monitor at once. :class:`SharedRotatingFileHandler` is the standard
library's ``RotatingFileHandler`` made safe for that: each record is written under an exclusive
``flock`` on ``LOG_FILE.lock``, and a process whose open file was rotated away by another process
reopens the new one first (``WatchedFileHandler``'s inode check), so lines are neither lost in a
renamed file nor rotated twice.

The line format is Tautulli's (``plexpy/logger.py``), so ``get_logs`` parses it the same way:
``2026-11-22 10:30:00 - INFO    :: MainThread : plex.monitor: Monitoring Server (http://...)``.
Continuation lines (tracebacks) follow their record. Secrets are redacted by the handler's
``core.log_filters.RedactSecrets`` filter (settings ``LOGGING``), as on the console.

Only the standard library: ``logging.config`` loads it before the apps.
"""

from __future__ import annotations

import fcntl
import os
from logging.handlers import RotatingFileHandler

LINE_FORMAT = "%(asctime)s - %(levelname)-7s :: %(threadName)s : %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class SharedRotatingFileHandler(RotatingFileHandler):
    """``RotatingFileHandler`` for several processes writing one file (see the module doc).

    The folder of ``filename`` is created when missing.
    """

    def __init__(self, filename, *args, **kwargs):
        os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("delay", True)
        super().__init__(filename, *args, **kwargs)
        self._lock_path = self.baseFilename + ".lock"

    def _reopen_if_rotated(self) -> None:
        """Close our stream when ``baseFilename`` is no longer the file it writes to."""
        if self.stream is None:
            return
        try:
            on_disk = os.stat(self.baseFilename)
        except FileNotFoundError:
            on_disk = None
        mine = os.fstat(self.stream.fileno())
        if on_disk is None or (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino):
            self.stream.close()
            self.stream = None  # reopened by emit()

    def emit(self, record) -> None:
        try:
            with open(self._lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    self._reopen_if_rotated()
                    super().emit(record)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        except OSError:
            self.handleError(record)
