"""Global and server-event parameters: Tautulli's global parameters (shared by every
notification) and its ``build_server_notify_params`` (plexpy/notification_handler.py,
reference 4.6), for on_intdown/on_intup, on_extdown/on_extup, on_pmsupdate,
on_plexpydbcorrupt and on_tokenexpired.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings

from core import clock

from .values import (
    DateValue,
    date_format,
    date_value,
    day_value,
    local_arrow,
    time_format,
    to_int,
)


def global_parameters(server, action: str) -> dict:
    """The Global category for ``server`` (a :class:`servers.models.Server`) and ``action``
    (``"on_play"``...).

    ``tautulli_version`` is the Tautulli release we are compatible with
    (``settings.TAUTULLI_COMPAT_VERSION``); ``tautulli_remote``/``_branch``/``_commit`` are
    ``""`` (not a git install of Tautulli). ``server_ip`` is the host of the server's URL,
    ``server_port`` its port (int). ``action`` drops the ``on_`` prefix. ``current_*``,
    ``datestamp``/``timestamp`` (:class:`DateValue`, defaults ``NOTIFY_DATE_FORMAT`` /
    ``NOTIFY_TIME_FORMAT``) read :mod:`core.clock` in the server's time zone
    (``settings.TIME_ZONE``), as Tautulli reads local time; ``unixtime`` is epoch seconds,
    ``utctime`` naive UTC ISO text. ``week_number`` (= ``current_week``) is kept as Tautulli
    keeps it for old texts.
    """
    moment = clock.now()
    now = local_arrow(moment)
    year, week, weekday = now.isocalendar()
    return {
        "tautulli_version": settings.TAUTULLI_COMPAT_VERSION,
        "tautulli_remote": "",
        "tautulli_branch": "",
        "tautulli_commit": "",
        "server_name": server.name,
        "server_ip": server.host,
        "server_port": server.port,
        "server_url": server.url,
        "server_platform": server.platform,
        "server_version": server.version,
        "server_machine_id": server.machine_identifier or "",
        "action": action.split("on_")[-1],
        "current_year": now.year,
        "current_month": now.month,
        "current_day": now.day,
        "current_hour": now.hour,
        "current_minute": now.minute,
        "current_second": now.second,
        "current_weekday": weekday,
        "current_week": week,
        "week_number": week,
        "datestamp": DateValue(now, date_format()),
        "timestamp": DateValue(now, time_format()),
        "unixtime": int(moment.timestamp()),
        "utctime": moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(),
    }


def server_parameters(server, action: str, **extra) -> dict:
    """Global parameters plus the Plex Remote Access, Plex Update and Tautulli Update
    categories, for a server action.

    ``extra`` takes Tautulli's keyword arguments, each optional:

    * ``remote_access_info``: ``{mapping_state, mapping_error, public_address, public_port,
      private_address, private_port, reason}`` (PMS's ``/myplex/account`` reachability, for
      on_extdown/on_extup) → ``remote_access_*``;
    * ``pms_download_info``: ``{version, download_url, release_date (epoch s or YYYY-MM-DD),
      platform, distro, build, requirements, extra_info, changelog_added, changelog_fixed}``
      (PMS's update check, for on_pmsupdate) → ``update_*``; ``update_channel``: ``"beta"``
      gives ``Beta``, anything else ``Public`` (Tautulli asks PMS; here the caller says it);
    * ``plexpy_download_info`` (GitHub release: ``tag_name``, ``html_url``, ``tarball_url``,
      ``zipball_url``, ``body``, ``assets``), ``plexpy_update_commit``, ``plexpy_update_behind``
      → ``tautulli_update_*``; nothing here checks Tautulli updates, so these stay ``""``
      unless given.

    Missing values are ``""``, as Tautulli's defaultdict gives.
    """
    remote = defaultdict(str, extra.get("remote_access_info") or {})
    update = defaultdict(str, extra.get("pms_download_info") or {})
    release = defaultdict(str, extra.get("plexpy_download_info") or {})
    windows_exe = macos_pkg = ""
    for asset in release.get("assets") or []:
        content_type = asset.get("content_type")
        if content_type == "application/vnd.microsoft.portable-executable":
            windows_exe = asset.get("browser_download_url", "")
        elif content_type == "application/vnd.apple.installer+xml":
            macos_pkg = asset.get("browser_download_url", "")
    released = update["release_date"]
    return {
        **global_parameters(server, action),
        "remote_access_mapping_state": remote["mapping_state"],
        "remote_access_mapping_error": remote["mapping_error"],
        "remote_access_public_address": remote["public_address"],
        "remote_access_public_port": remote["public_port"],
        "remote_access_private_address": remote["private_address"],
        "remote_access_private_port": remote["private_port"],
        "remote_access_reason": remote["reason"],
        "update_version": update["version"],
        "update_url": update["download_url"],
        "update_release_date": _release_date(released),
        "update_channel": "Beta" if extra.get("update_channel") == "beta" else "Public",
        "update_platform": update["platform"],
        "update_distro": update["distro"],
        "update_distro_build": update["build"],
        "update_requirements": update["requirements"],
        "update_extra_info": update["extra_info"],
        "update_changelog_added": update["changelog_added"],
        "update_changelog_fixed": update["changelog_fixed"],
        "tautulli_update_version": release["tag_name"],
        "tautulli_update_release_url": release["html_url"],
        "tautulli_update_exe": windows_exe,
        "tautulli_update_pkg": macos_pkg,
        "tautulli_update_tar": release["tarball_url"],
        "tautulli_update_zip": release["zipball_url"],
        "tautulli_update_commit": extra.get("plexpy_update_commit", ""),
        "tautulli_update_behind": extra.get("plexpy_update_behind", ""),
        "tautulli_update_changelog": release["body"],
    }


def _release_date(value):
    """An update's release date (epoch seconds, as PMS gives it, or ``YYYY-MM-DD``) as a
    :class:`DateValue` in the date format; ``""`` when missing."""
    if value and str(value).isdigit():
        return date_value(to_int(value), date_format())
    return day_value(value, date_format())
