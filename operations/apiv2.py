"""/api/v2 maintenance commands (reference 1.2 "System"): logs, settings, caches, ``sql``,
and truthful answers to ``restart`` / ``update_check`` / ``delete_lookup_info``.

Every answer is in Tautulli's envelope; refusals are error envelopes (HTTP 400), never a 500.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.http import FileResponse

from core.config import monitoring_value
from core.tautulli_api import ApiError, api_command
from servers.models import Server

from . import logs, sqlquery

logger = logging.getLogger(__name__)

IMAGE_KEY_PREFIX = "pms_image_proxy:"
SORT_KEYS = ("time", "thread", "msg", "loglevel")
MAX_LOG_ENTRIES = 100_000  # records of get_logs at most, whatever start/end say


@api_command()
def get_logs(request, params):
    """Get the Tautulli logs.

    Optional parameters: sort (str): "time", "thread", "msg", "loglevel"; search (str): a
    string to search for (case-insensitive, in every field); order (str): "desc" (default,
    newest first) or "asc"; regex (str): a regular expression to search for (case-insensitive);
    start (int): row number to start from; end (int): row number to end at.
    Returns: json: [{"loglevel": "INFO", "msg": "plex.monitor: Monitoring My Server (...)",
    "thread": "MainThread", "time": "2026-11-22 10:30:00"}, ...] from the current LOG_FILE
    (not the rotated ones). Unlike Tautulli, search and regex filter before start/end slice,
    and a filter that matches nothing answers [] (Tautulli then answers everything). An
    invalid regex or sort is an error.
    """
    sort = params.str("sort", "")
    if sort and sort not in SORT_KEYS:
        raise ApiError(f"Parameter sort must be one of {', '.join(SORT_KEYS)}")
    order = (params.str("order", "desc") or "desc").lower()
    if order not in ("asc", "desc"):
        raise ApiError("Parameter order must be asc or desc")
    search = params.str("search", "")
    pattern = params.str("regex", "")
    try:
        regex = re.compile(pattern, re.IGNORECASE) if pattern else None
    except re.error as exc:
        raise ApiError(f"Parameter regex is not a valid regular expression: {exc}") from None
    start = params.offset("start", 0)
    end = params.offset("end", 0)
    path = logs.log_file()
    if not path.exists():
        return []
    records = []
    for record in logs.entries([path]):
        if logs.matches(record, search=search, regex=regex):
            records.append(
                {key: record[key] for key in ("time", "loglevel", "msg", "thread")}
                | {"msg": f"{record['logger']}: {record['msg']}"}
            )
            if len(records) >= MAX_LOG_ENTRIES or (order == "desc" and end and len(records) >= end):
                break
    if order == "asc":
        records.reverse()
    if start or end:
        records = records[start : end or None]
    if sort:
        records.sort(key=lambda record: record[sort])
    return records


@api_command(raw=True)
def download_log(request, params):
    """Download the Tautulli log file.

    Optional parameters: logfile (str): "tautulli" (the only log this server writes; Tautulli's
    "tautulli_api" and "plex_websocket" logs are part of it here).
    Returns: download: the current LOG_FILE as text/plain (tautulli.log). An error envelope when
    no log was written yet.
    """
    logfile = params.str("logfile", "tautulli")
    if logfile not in ("tautulli", "tautulli_api", "plex_websocket"):
        raise ApiError("Parameter logfile must be tautulli, tautulli_api or plex_websocket")
    for handler in logging.getLogger().handlers:
        handler.flush()
    path = logs.log_file()
    if not path.exists():
        raise ApiError("No log file yet.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type="text/plain; charset=utf-8",
    )


def _flag(value) -> int:
    return int(bool(value))


def _port() -> int:
    """The port gunicorn listens on (``PORT``, 8181 by default, as Tautulli's)."""
    raw = os.environ.get("PORT", "")
    return int(raw) if raw.isascii() and raw.isdigit() else 8181


def _general() -> dict:
    return {
        "api_enabled": 1,
        "api_sql": _flag(settings.API_SQL_ENABLED),
        "http_port": _port(),
        "http_base_url": settings.HTTP_BASE_URL,
        "http_root": "",
        "log_dir": str(Path(settings.LOG_FILE).parent),
        "cache_dir": str(Path(settings.DATA_DIR) / "cache"),
        "backup_dir": str(getattr(settings, "BACKUP_DIR", Path(settings.DATA_DIR) / "backups")),
        "export_dir": str(getattr(settings, "EXPORT_DIR", Path(settings.DATA_DIR) / "exports")),
        "geoip_db": str(getattr(settings, "GEOIP_DATABASE", "") or ""),
        "group_history_tables": _flag(settings.GROUP_HISTORY_TABLES),
        "history_table_activity": _flag(settings.HISTORY_TABLE_ACTIVITY),
        "week_start_monday": _flag(settings.WEEK_START_MONDAY),
        "date_format": settings.NOTIFY_DATE_FORMAT,
        "time_format": settings.NOTIFY_TIME_FORMAT,
    }


def _monitoring() -> dict:
    values = {
        name.lower(): monitoring_value(name)
        for name in (
            "MOVIE_WATCHED_PERCENT",
            "TV_WATCHED_PERCENT",
            "MUSIC_WATCHED_PERCENT",
            "WATCHED_MARKER",
            "LOGGING_IGNORE_INTERVAL",
            "NOTIFY_CONCURRENT_THRESHOLD",
            "NOTIFY_RECENTLY_ADDED_DELAY",
        )
    }
    for name in (
        "NOTIFY_CONCURRENT_BY_IP",
        "NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT",
        "NOTIFY_GROUP_RECENTLY_ADDED_PARENT",
    ):
        values[name.lower()] = _flag(monitoring_value(name))
    values["notify_consecutive"] = _flag(settings.NOTIFY_CONSECUTIVE)
    values["notify_server_update_repeat"] = _flag(settings.NOTIFY_SERVER_UPDATE_REPEAT)
    values["monitoring_use_websocket"] = 1
    return values


def _pms() -> dict:
    server = Server.objects.order_by("id").first()
    if server is None:
        return {}
    return {
        "pms_name": server.name,
        "pms_url": server.url,
        "pms_identifier": server.machine_identifier or "",
        "pms_version": server.version,
        "pms_platform": server.platform,
        "pms_plexpass": _flag(server.plexpass),
    }


def settings_sections() -> dict[str, dict]:
    """Our settings in Tautulli's config sections and key names (see ``get_settings``)."""
    return {
        "General": _general(),
        "Monitoring": _monitoring(),
        "Advanced": {"notify_text_eval": _flag(settings.NOTIFY_TEXT_EVAL)},
        "Newsletter": {
            "newsletter_auth": settings.NEWSLETTER_AUTH,
            "newsletter_custom_dir": settings.NEWSLETTER_CUSTOM_DIR,
            "newsletter_inline_styles": _flag(settings.NEWSLETTER_INLINE_STYLES),
            "newsletter_self_hosted": 1,
        },
        "Scripts": {
            "scripts_folder": settings.NOTIFY_SCRIPTS_DIR,
            "scripts_timeout": settings.NOTIFY_SCRIPT_TIMEOUT,
        },
        "PMS": _pms(),
    }


@api_command()
def get_settings(request, params):
    """Gets all settings from the config file.

    Optional parameters: key (str): name of a config section to return ("General",
    "Monitoring", "Advanced", "Newsletter", "Scripts", "PMS"; any case).
    Returns: json: {"General": {"api_enabled": 1, "api_sql": 0, "log_dir": "/data/logs", ...},
    "Monitoring": {"movie_watched_percent": 85, "watched_marker": 3, ...}, ...}; with key, that
    section's dict. Our settings under Tautulli's section and key names where one maps (flags
    as 0/1, as Tautulli's config.ini); the monitoring values are the runtime ones (admin's
    Monitoring settings). Secrets (API key, Plex token, passwords) are never included. An
    unknown section is an error.
    """
    sections = settings_sections()
    key = params.str("key", "")
    if not key:
        return sections
    for name, values in sections.items():
        if name.lower() == key.lower():
            return values
    raise ApiError(f"Unknown settings section: {key}. Sections: {', '.join(sections)}")


def clear_image_cache() -> int:
    """Forget the image proxy's cached images held in this process's default cache; returns
    how many. The default cache is each process's own memory (LocMemCache): the other web
    processes keep theirs until they expire."""
    store = getattr(cache, "_cache", None)
    if store is None:  # a shared cache without key listing: only a full clear would do
        cache.clear()
        return -1
    prefix = cache.make_key(IMAGE_KEY_PREFIX)
    keys = [key for key in list(store) if key.startswith(prefix)]
    with cache._lock:
        for key in keys:
            store.pop(key, None)
            cache._expire_info.pop(key, None)
    return len(keys)


@api_command()
def delete_image_cache(request, params):
    """Delete the image cache (pms_image_proxy's cached images).

    Returns: json: {"result": "success", "message": "Cleared the images cache (3 images) of
    this web process."}. Images are kept in each web process's memory: the others keep theirs
    until they expire (30 days) or the process restarts.
    """
    count = clear_image_cache()
    logger.info("Cleared the image cache (/api/v2).")
    shown = "" if count < 0 else f" ({count} images)"
    return {"result": "success", "message": f"Cleared the images cache{shown} of this web process."}


@api_command()
def delete_cache(request, params):
    """Delete the cache: the image proxy's images (this web process's) and the cached home
    statistics (shared, recomputed on the next request).

    Returns: json: {"result": "success", "message": "Cleared the cache."}. One-off device
    registration tokens and the processes' heartbeats are not a cache: they are kept.
    """
    clear_image_cache()
    caches["stats"].clear()
    logger.info("Cleared the cache (/api/v2).")
    return {"result": "success", "message": "Cleared the cache."}


@api_command()
def delete_lookup_info(request, params):
    """Delete the 3rd party API lookup info (Tautulli's themoviedb / tvmaze / musicbrainz
    lookups).

    Optional parameters: rating_key (int), service (str), delete_all (bool): accepted, unused.
    Returns: json: {"result": "success", "message": "No lookup info to delete: ..."}. This
    server does no such lookups, so there is never anything to delete.
    """
    params.offset("rating_key")
    params.bool("delete_all")
    return {
        "result": "success",
        "message": "No lookup info to delete: this server does no themoviedb, tvmaze or "
        "musicbrainz lookups.",
    }


@api_command()
def restart(request, params):
    """Restart Tautulli.

    Returns: json: an error envelope: this server does not restart itself over the API. Restart
    it the way it was started (``docker restart <container>``, or the service manager /
    ``scripts/run``).
    """
    return {
        "result": "error",
        "message": "Restarting over the API is not supported: restart the server the way it "
        "was started (docker restart <container>, or its service manager).",
    }


UPDATE_HOW = (
    "update by pulling a new image (docker pull, then recreate the container) or release "
    "(git pull, pip install -r requirements.txt, manage.py migrate)."
)


@api_command()
def update_check(request, params):
    """Check for Tautulli updates.

    Returns: json: {"result": "error", "update": null, "message": "..."}: this server does not
    check for or install updates itself; update it by pulling a new image or release
    (``docker pull`` and recreate the container, or ``git pull`` and
    ``pip install -r requirements.txt``, then ``manage.py migrate``).
    """
    return {
        "result": "error",
        "update": None,
        "message": f"Update checks are not supported over the API: {UPDATE_HOW}",
    }


@api_command()
def update(request, params):
    """Update Tautulli.

    Returns: json: an error envelope: this server does not update itself over the API (see
    ``update_check`` for how to update it).
    """
    return {"result": "error", "message": f"Updating over the API is not supported: {UPDATE_HOW}"}


@api_command()
def sql(request, params):
    """Query the database with raw SQL: one read-only SELECT.

    Required parameters: query (str): the SQL query, e.g. "SELECT 1 AS one".
    Returns: json: [{"one": 1}] (at most API_SQL_MAX_ROWS rows, default 1000).
    Disabled unless API_SQL_ENABLED is set (Tautulli's api_sql): an error envelope then. Only one
    SELECT statement, on a read-only connection, stopped after API_SQL_TIMEOUT seconds; tables
    holding secrets (tokens, passwords, keys, notifier configs, sessions) cannot be queried.
    Unlike Tautulli, no backup is made first (nothing can be written).
    """
    query = params.raw("query", "")
    if not settings.API_SQL_ENABLED:
        raise ApiError("SQL not enabled for the API.")
    return sqlquery.run_query(query)
