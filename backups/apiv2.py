"""/api/v2 backup commands (Tautulli's ``backup_db``, ``backup_config``, ``download_database``,
``download_config``).

``backup_db`` / ``backup_config`` make a backup into BACKUP_DIR as the admin's button does
(database verified at once; retention applied) and answer Tautulli's messages. The downloads
stream a fresh copy made for the request (not listed as a backup): Tautulli streams its live
``tautulli.db`` and ``config.ini``; here the database is the online backup (SQLite, gzip) or
the ``pg_dump`` custom-format archive (PostgreSQL), the configuration the tar.gz archive of
:func:`backups.service.backup_config`. The files hold the Plex tokens and the secret key: only
the API key's holder (the admin) may call these commands.
"""

from __future__ import annotations

import logging

from django.http import FileResponse

from core.tautulli_api import ApiError
from core.tautulli_api.registry import api_command

from .models import Backup
from .service import BackupError, backup_database, download_copy, remove_download
from .service import backup_config as make_config_backup

logger = logging.getLogger(__name__)


@api_command()
def backup_db(request, params):
    """Create a manual backup of the database (verified by a restore into a scratch database).

    Required parameters: None. Optional parameters: None.
    Returns: {"result": "success", "message": "Database backup successful."}, or an error
    envelope "Database backup failed." (the admin's backups list says why). The file goes to
    BACKUP_DIR (``tautulli-database-<UTC time>.sqlite3.gz`` or ``.pgdump``).
    """
    backup = backup_database("api")
    if backup.error or backup.verified is False:
        return {"result": "error", "message": "Database backup failed."}
    return {"result": "success", "message": "Database backup successful."}


@api_command()
def backup_config(request, params):
    """Create a manual backup of the configuration (the DATA_DIR secrets a restore needs).

    Required parameters: None. Optional parameters: None.
    Returns: {"result": "success", "message": "Config backup successful."}, or an error
    envelope "Config backup failed.". The file goes to BACKUP_DIR
    (``tautulli-config-<UTC time>.tar.gz``).
    """
    backup = make_config_backup("api")
    if backup.error:
        return {"result": "error", "message": "Config backup failed."}
    return {"result": "success", "message": "Config backup successful."}


def _download(kind: str) -> FileResponse:
    try:
        path, name = download_copy(kind)
    except BackupError as exc:
        logger.error("Download of a %s backup failed: %s", kind, exc)
        raise ApiError(f"Error downloading {kind}. Check the logs.") from None
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    remove_download(path)  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=name)


@api_command(raw=True)
def download_database(request, params):
    """Download a fresh backup of the database.

    Required parameters: None. Optional parameters: None.
    Returns: the file (attachment): SQLite, ``tautulli-database-<UTC>.sqlite3.gz`` (the online
    backup, gzip); PostgreSQL, ``tautulli-database-<UTC>.pgdump`` (pg_dump custom format, for
    pg_restore). Restore it with ``manage.py restore FILE``.
    """
    return _download(Backup.DATABASE)


@api_command(raw=True)
def download_config(request, params):
    """Download a fresh backup of the configuration.

    Required parameters: None. Optional parameters: None.
    Returns: the file (attachment) ``tautulli-config-<UTC>.tar.gz``: the generated secret key
    and a manifest. Restore it with ``manage.py restore FILE --config``.
    """
    return _download(Backup.CONFIG)
