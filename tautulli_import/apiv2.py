"""/api/v2 import commands (reference 1.2 "Database"): import_database and import_config.

Files: either uploaded (multipart/form-data field ``database_file`` / ``config_file``) or named
by a path on this machine (``database_path`` / ``config_path``). Rule for paths: any regular
file this process can read. The API key (or a registered device's token) is the admin's, who
can run ``manage.py import_tautulli`` with the same path: a path gives them nothing more. The
database is opened read-only and never changed; the config is read, never written.
"""

from pathlib import Path

from django.conf import settings
from django.utils.text import get_valid_filename
from django_q.tasks import async_task

from core.tautulli_api import ApiError, api_command

from .config_import import import_config as apply_config
from .errors import SourceError
from .source import open_source
from .tasks import IMPORT_TASK


def upload_dir() -> Path:
    """Where uploads wait for their import: ``DATA_DIR/cache/imports``."""
    path = Path(settings.DATA_DIR) / "cache" / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save_upload(upload, suffix: str) -> Path:
    name = get_valid_filename(Path(upload.name or "upload").name) or "upload"
    target = upload_dir() / f"{name}{suffix}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def _readable_path(raw: str) -> Path:
    try:
        path = Path(raw).expanduser()
        if path.is_file():
            return path
    except (OSError, ValueError, RuntimeError):
        pass
    raise ApiError(f"No readable file at {raw[:200]!r}")


@api_command()
def import_database(request, params):
    """Import a Tautulli database into Tautulli.

    ```
    Required parameters:
        app (str):                      "tautulli"
        database_file (file):           The database file to import (multipart/form-data)
        or
        database_path (str):            The full path to the database file to import
        method (str):                   "merge"

    Optional parameters:
        backup (bool):                  Accepted; no backup is made (see below)

    Returns:
        json:
            {"result": "success",
             "message": "Database import has started. Check the logs to monitor any problems."
             }
    ```
    The file is checked first (SQLite, a Tautulli database with the history columns a play
    needs: the answer names the problem otherwise), then imported by a django-q2 task
    (``tautulli_import.tasks.import_database``: the importer of ``manage.py import_tautulli``,
    one transaction, rows new in the source only). An upload is kept in
    ``DATA_DIR/cache/imports`` until the task has run. Deviations: PlexWatch and Plexivity
    databases are not supported; ``method`` "overwrite" is refused (the import always merges);
    ``backup`` makes no backup (use the backups app first).
    """
    # ``app`` is also the dispatcher's device-token flag (``app=true``), so it is not among
    # ``params``: read from the request (POST form wins, as for every parameter).
    app = str(request.POST.get("app") or request.GET.get("app") or "").strip().lower()
    if not app:
        return {"result": "error", "message": "No app specified for import"}
    if app in ("plexwatch", "plexivity"):
        raise ApiError(f"Importing a {app} database is not supported")
    if app != "tautulli":
        return {"result": "error", "message": "App not recognized for import"}
    method = (params.str("method") or "merge").lower()
    if method != "merge":
        raise ApiError('Parameter method: only "merge" is supported (the import adds new rows)')
    params.bool("backup")  # validated; see the docstring
    upload = request.FILES.get("database_file")
    raw_path = params.str("database_path")
    if upload is not None:
        path, uploaded = _save_upload(upload, ".import.db"), True
    elif raw_path:
        path, uploaded = _readable_path(raw_path), False
    else:
        return {"result": "error", "message": "No database specified for import"}
    try:
        open_source(path).close()
    except SourceError as exc:
        if uploaded:
            path.unlink(missing_ok=True)
        return {"result": "error", "message": str(exc)}
    async_task(IMPORT_TASK, str(path), uploaded, task_name="Import Tautulli database", timeout=3600)
    return {
        "result": "success",
        "message": "Database import has started. Check the logs to monitor any problems.",
    }


@api_command()
def import_config(request, params):
    """Import a Tautulli config file.

    ```
    Required parameters:
        config_file (file):             The config file to import (multipart/form-data)
        or
        config_path (str):              The full path to the config file to import

    Optional parameters:
        backup (bool):                  Accepted; nothing is backed up (see below)

    Returns:
        json:
            {"result": "success",
             "message": "Config imported.",
             "data": {"server": "Winterfell", "server_created": false,
                      "settings": ["MOVIE_WATCHED_PERCENT", ...], "api_key": true,
                      "warnings": []}
             }
    ```
    The PMS URL and token, the API key and the monitoring and notification settings become
    ours (:mod:`tautulli_import.config_import`). Applied at once, in one transaction, and no
    restart is needed (Tautulli imports in a thread and restarts). ``backup`` is accepted for
    Tautulli's clients; this server's settings live in its database, which the backups app
    saves. The token is never answered. After ``api_key`` changed, use the imported key.
    """
    params.bool("backup")
    upload = request.FILES.get("config_file")
    raw_path = params.str("config_path")
    if upload is not None:
        path = _save_upload(upload, ".import.ini")
    elif raw_path:
        path = _readable_path(raw_path)
    else:
        return {"result": "error", "message": "No config specified for import"}
    try:
        result = apply_config(path)
    except SourceError as exc:
        raise ApiError(str(exc)) from None
    finally:
        if upload is not None:
            path.unlink(missing_ok=True)
    return {
        "result": "success",
        "message": "Config imported.",
        "server": result.server.name if result.server else None,
        "server_created": result.server_created,
        "settings": result.settings,
        "api_key": result.api_key,
        "warnings": result.warnings,
    }
