"""/api/v2 commands about this instance itself (reference 1.2, "Tautulli / misc")."""

import platform
import random
import sys

from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.utils.html import escape

from core.tautulli_api import COMMANDS, api_command

ARNOLD_QUOTES = (
    "You wanna be a farmer? Here's a couple of acres.",
    "Get your ass to Mars!",
    "I'll be back.",
    "Hasta la vista, baby.",
    "Come with me if you want to live.",
    "It's not a tumor!",
    "Consider that a divorce!",
    "Take your toy back to the carpet!",
    "Stick around.",
    "Get to the chopper!",
)


@api_command()
def status(request, params):
    """Check the status of Tautulli.

    Optional parameters: check (str): "database" to run an integrity check of the database.
    Returns: message "Ok" (or "Database ok" with ``{"integrity_check": "ok"}``).
    """
    check = params.str("check")
    if check == "database":
        result = _database_integrity()
        ok = result == "ok"
        return {
            "result": "success" if ok else "error",
            "message": "Database ok" if ok else "Database corrupt",
            "integrity_check": result,
        }
    return {"result": "success", "message": "Ok"}


def _database_integrity() -> str:
    """SQLite's ``PRAGMA quick_check``; on PostgreSQL a round trip (it checks its own pages)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA quick_check")
            rows = [row[0] for row in cursor.fetchall()]
            return "ok" if rows == ["ok"] else "; ".join(rows)
        cursor.execute("SELECT 1")
        return "ok" if cursor.fetchone() == (1,) else "no answer"


@api_command()
def arnold(request, params):
    """Get to the chopper! Returns a random quote string."""
    return random.choice(ARNOLD_QUOTES)


@api_command()
def get_date_formats(request, params):
    """Get the date and time formats (moment.js tokens) used by the interface.

    Returns: {"date_format": "YYYY-MM-DD", "time_format": "HH:mm"}
    """
    return {"date_format": "YYYY-MM-DD", "time_format": "HH:mm"}


@api_command()
def get_tautulli_info(request, params):
    """Get the Tautulli-compatible server information.

    ``tautulli_version`` is the Tautulli version whose API this server speaks (clients such as
    Overseerr check it), with a leading "v".
    """
    uname = platform.uname()
    distro = ""
    if hasattr(platform, "freedesktop_os_release"):
        try:
            distro = platform.freedesktop_os_release().get("PRETTY_NAME", "")
        except OSError:
            distro = ""
    return {
        "tautulli_install_type": "docker" if _in_docker() else "source",
        "tautulli_version": settings.TAUTULLI_COMPAT_VERSION,
        "tautulli_branch": "master",
        "tautulli_commit": "",
        "tautulli_platform": uname.system,
        "tautulli_platform_release": uname.release,
        "tautulli_platform_version": uname.version,
        "tautulli_platform_linux_distro": distro,
        "tautulli_platform_device_name": uname.node,
        "tautulli_python_version": sys.version.split()[0],
    }


def _in_docker() -> bool:
    from pathlib import Path

    return Path("/.dockerenv").exists()


@api_command()
def docs(request, params):
    """Return the API docstrings: {cmd: docstring} for every command."""
    return {name: command.doc for name, command in sorted(COMMANDS.items())}


@api_command(raw=True)
def docs_md(request, params):
    """Return the API docs as a Markdown page.

    Served as Tautulli serves it (the capture ``tautulli-dart/api/docs_md.meta.json``): HTML,
    the Markdown inside ``<pre>``, escaped here so that a ``<`` in a docstring stays text.
    """
    parts = ["# API Reference\n"]
    for name, command in sorted(COMMANDS.items()):
        parts.append(f"\n### {name}\n\n{command.doc}\n")
    body = f"<pre>{escape(''.join(parts))}</pre>"
    return HttpResponse(body, content_type="text/html;charset=utf-8")


# IP address lookups (core.apiv2_lookups), issue 16
from . import apiv2_lookups  # noqa: E402,F401  get_geoip_lookup, get_whois_lookup
