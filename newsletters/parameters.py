"""A newsletter's time window and Tautulli's newsletter parameters (reference section 5).

The parameters are what ``{...}`` fields of a newsletter's subject, body and message (and the
templates) can use; Tautulli builds them in ``Newsletter._build_params`` /
``RecentlyAdded.build_params`` (``plexpy/newsletters.py``, v2.17.2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import arrow
from django.conf import settings
from django.utils import timezone

from notifications.text import DateValue

DEFAULT_TIME_FRAME = 7
DEFAULT_TIME_FRAME_UNITS = "days"
TIME_FRAME_UNITS = ("hours", "days", "months")


def time_frame(newsletter) -> tuple[int, str]:
    """``(time_frame, time_frame_units)`` from ``newsletter.config`` (Tautulli's defaults: 7,
    "days"). ``time_frame`` may be stored as a string of digits (imported configs).

    Raises ``ValueError`` with a readable message for a time frame that is not a whole number
    ≥ 1 or units other than hours, days or months.
    """
    config = newsletter.config or {}
    raw = config.get("time_frame", DEFAULT_TIME_FRAME)
    units = config.get("time_frame_units") or DEFAULT_TIME_FRAME_UNITS
    try:
        amount = int(str(raw).strip()) if raw not in (None, "") else DEFAULT_TIME_FRAME
    except ValueError:
        raise ValueError(f"The newsletter's time frame {raw!r} is not a whole number") from None
    if amount < 1:
        raise ValueError(f"The newsletter's time frame must be at least 1 (not {amount})")
    if units not in TIME_FRAME_UNITS:
        raise ValueError(
            f"The newsletter's time frame units {units!r} must be hours, days or months"
        )
    return amount, units


def newsletter_window(newsletter, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """``(start, end)``: the window a run at ``now`` covers, as aware datetimes in the server's
    local zone (setting TIME_ZONE); items added in ``[start, end)`` are in the newsletter.

    Tautulli's rule (``Newsletter.__init__``): ``end`` is the run's instant; ``start`` is
    ``time_frame`` hours, days or calendar months before it, shifted on the local wall clock
    (so 7 days across a DST change is still "same time, a week ago"; a month back from 31 March
    is 28/29 February).
    """
    amount, units = time_frame(newsletter)
    end = arrow.get(now).to(settings.TIME_ZONE)
    start = end.shift(**{units: -amount})
    return start.datetime, end.datetime


def _window(newsletter, contents: Sequence[dict]) -> tuple[arrow.Arrow, arrow.Arrow]:
    """The window of the content (its ``start``/``end`` epoch seconds, as read from PMS), or
    the newsletter's window ending now when there is no content."""
    zone = settings.TIME_ZONE
    for content in contents:
        if content.get("start") is not None and content.get("end") is not None:
            return arrow.get(content["start"]).to(zone), arrow.get(content["end"]).to(zone)
    start, end = newsletter_window(newsletter, timezone.now())
    return arrow.get(start), arrow.get(end)


def base_url() -> str:
    """The public address of this server without a trailing slash (setting HTTP_BASE_URL,
    defaulting to ``http://localhost:<PORT>``)."""
    return settings.HTTP_BASE_URL.rstrip("/")


def newsletter_url(uuid: str) -> str:
    """The hosted copy of one run: ``<HTTP_BASE_URL>/newsletter/<uuid>``."""
    return f"{base_url()}/newsletter/{uuid}"


def newsletter_static_url(id_name: str) -> str:
    """The latest run of a newsletter: ``<HTTP_BASE_URL>/newsletter/id/<id_name>``."""
    return f"{base_url()}/newsletter/id/{id_name}"


def newsletter_parameters(newsletter, contents: Sequence[dict], uuid: str) -> dict[str, Any]:
    """Tautulli's newsletter parameters (reference section 5, ``NEWSLETTER_PARAMETERS``) for one
    run of ``newsletter`` over ``contents`` (one content dict per server, see
    :mod:`plex.newsletter_content`), whose hosted copy is ``uuid``:

    * ``server_name``: the servers' names joined with ", " (Tautulli: the one PMS's name);
    * ``start_date`` / ``end_date``: the window's first and last instants, in the server's local
      zone (TIME_ZONE), as :class:`~notifications.text.DateValue`: ``{end_date}`` prints
      ``YYYY-MM-DD`` (setting NOTIFY_DATE_FORMAT, Tautulli's DATE_FORMAT), ``{end_date:MMM D}``
      any Arrow tokens. ``end_date`` is the run's day, ``start_date`` the day the time frame
      starts (a 7-day newsletter run on Sunday the 22nd: 2026-11-15 to 2026-11-22);
    * ``current_year``, ``current_month``, ``current_day``, ``current_hour``,
      ``current_minute``, ``current_second`` (ints), ``current_weekday`` (ISO, Monday 1 …
      Sunday 7), ``current_week`` and ``week_number`` (ISO week): all of the window's **start**,
      as Tautulli computes them;
    * ``newsletter_time_frame`` (int), ``newsletter_time_frame_units`` ("hours"/"days"/"months");
    * ``newsletter_url`` (``<HTTP_BASE_URL>/newsletter/<uuid>``), ``newsletter_static_url``
      (``<HTTP_BASE_URL>/newsletter/id/<id_name>``), ``newsletter_uuid``, ``newsletter_id``
      (int), ``newsletter_id_name``;
    * ``newsletter_password``: setting NEWSLETTER_PASSWORD (Tautulli's, so a text can tell its
      readers the hosted page's password; it only appears where a text asks for it);
    * ``newsletter_libraries``: the names of the libraries read, sorted, joined with ", ";
    * ``pms_identifier`` / ``pms_web_url``: the first server's machine identifier and
      ``https://app.plex.tv/desktop`` link (Tautulli's PMS_IDENTIFIER / PMS_WEB_URL).

    Raises ``ValueError`` (readable) for a bad time frame in the newsletter's config.
    """
    amount, units = time_frame(newsletter)
    start, end = _window(newsletter, contents)
    date_format = settings.NOTIFY_DATE_FORMAT or "YYYY-MM-DD"
    iso = start.isocalendar()
    servers = [content.get("server") or {} for content in contents]
    names = [server.get("name") or "" for server in servers if server.get("name")]
    libraries = sorted(
        {
            library.get("section_name") or ""
            for content in contents
            for library in content.get("libraries") or []
            if library.get("section_name")
        }
    )
    first = servers[0] if servers else {}
    id_name = newsletter.id_name or ""
    return {
        "server_name": ", ".join(names),
        "start_date": DateValue(start, date_format),
        "end_date": DateValue(end, date_format),
        "current_year": start.year,
        "current_month": start.month,
        "current_day": start.day,
        "current_hour": start.hour,
        "current_minute": start.minute,
        "current_second": start.second,
        "current_weekday": iso[2],
        "current_week": iso[1],
        "week_number": iso[1],
        "newsletter_time_frame": amount,
        "newsletter_time_frame_units": units,
        "newsletter_url": newsletter_url(uuid),
        "newsletter_static_url": newsletter_static_url(id_name),
        "newsletter_uuid": uuid,
        "newsletter_id": newsletter.pk,
        "newsletter_id_name": id_name,
        "newsletter_password": settings.NEWSLETTER_PASSWORD,
        "newsletter_libraries": ", ".join(libraries),
        "pms_identifier": first.get("machine_identifier") or "",
        "pms_web_url": _pms_web_url(first),
    }


def _pms_web_url(server: dict) -> str:
    """Tautulli's PMS_WEB_URL: the Plex web app (``https://app.plex.tv/desktop``), without the
    server part the content's ``web_url`` adds (``#!/server/<mid>``)."""
    url = server.get("web_url") or ""
    return url.split("#", 1)[0] if url else ""
