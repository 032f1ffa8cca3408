"""The home-stat cards of the statistics pages (``get_home_stats``), ready to show."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import clock
from core.admin_kit.display import humanize_seconds
from libraries.models import Library
from users.models import User

from .. import home_cache
from ..window import StatsWindow

HOME_STATS_COUNT = 5

_RANKED_BY_TOTAL = {
    "top_movies",
    "top_tv",
    "top_music",
    "top_libraries",
    "top_users",
    "top_platforms",
}
_POPULAR = {"popular_movies", "popular_tv", "popular_music"}


def cards(window: StatsWindow, stat_ids=None, *, count: int = HOME_STATS_COUNT) -> list[dict]:
    """The home-stat cards (``get_home_stats`` with ``stats_count`` = ``count`` and
    ``stats_type`` = the window's y-axis) ready to show: ``{"stat_id", "title", "unit",
    "rows": [{"rank", "label", "detail", "value", "value_text", "href"}]}``.

    ``value`` is the API's number (plays, seconds, users, streams, or the epoch of a last play),
    ``value_text`` how the page shows it. Users and libraries link to their admin pages (two
    queries, whatever the number of rows).
    """
    raw = home_cache.home_stats(
        window,
        stat_ids=list(stat_ids) if stat_ids else None,
        stats_type=window.y_axis,
        stats_start=0,
        stats_count=count,
    )
    user_hrefs = user_links(
        row.get("user_id") for card in raw if card["stat_id"] == "top_users" for row in card["rows"]
    )
    library_hrefs = library_links(
        window,
        [
            row.get("section_id")
            for c in raw
            if c["stat_id"] == "top_libraries"
            for row in c["rows"]
        ],
    )
    result = []
    for card in raw:
        stat_id = card["stat_id"]
        rows = []
        for rank, row in enumerate(card["rows"], start=1):
            shown = _card_row(stat_id, row, window.y_axis)
            if stat_id == "top_users":
                shown["href"] = user_hrefs.get(row.get("user_id"), "")
            elif stat_id == "top_libraries":
                shown["href"] = library_hrefs.get(row.get("section_id"), "")
            rows.append({"rank": rank, **shown})
        result.append(
            {
                "stat_id": stat_id,
                "title": card.get("stat_title", stat_id),
                "unit": _card_unit(stat_id, window.y_axis),
                "rows": rows,
            }
        )
    return result


def _card_unit(stat_id: str, y_axis: str) -> str:
    if stat_id in _RANKED_BY_TOTAL:
        return _("time") if y_axis == "duration" else _("plays")
    if stat_id in _POPULAR:
        return _("users")
    if stat_id == "last_watched":
        return _("watched")
    if stat_id == "most_concurrent":
        return _("streams")
    return ""


def _card_row(stat_id: str, row: dict, y_axis: str) -> dict:
    """label / detail / value of one card row (see :func:`cards`)."""
    label, detail, href = row.get("title") or "", "", ""
    if stat_id in _RANKED_BY_TOTAL:
        if y_axis == "duration":
            value = int(row.get("total_duration") or 0)
            value_text = humanize_seconds(value)
        else:
            value = int(row.get("total_plays") or 0)
            value_text = f"{value:,}"
        if stat_id == "top_movies" and row.get("year"):
            label = f"{label} ({row['year']})"
        elif stat_id == "top_libraries":
            label = row.get("section_name") or label
        elif stat_id == "top_users":
            label = row.get("friendly_name") or row.get("user") or ""
        elif stat_id == "top_platforms":
            label = row.get("platform") or ""
    elif stat_id in _POPULAR:
        value = int(row.get("users_watched") or 0)
        value_text = f"{value:,}"
        plays = int(row.get("total_plays") or 0)
        detail = ngettext("%s play", "%s plays", plays) % f"{plays:,}"
        if stat_id == "popular_movies" and row.get("year"):
            label = f"{label} ({row['year']})"
    elif stat_id == "last_watched":
        value = int(row.get("last_watch") or 0)
        value_text = _epoch_text(value)
        detail = row.get("friendly_name") or row.get("user") or ""
    elif stat_id == "most_concurrent":
        value = int(row.get("count") or 0)
        value_text = f"{value:,}"
        started = _epoch_text(row.get("started"))
        detail = _("at %s") % started if started else ""
    else:  # a card this page does not know yet: its title and first number
        value = next((v for v in row.values() if isinstance(v, int)), 0)
        value_text = f"{value:,}"
    return {
        "label": label,
        "detail": detail,
        "value": value,
        "value_text": value_text,
        "href": href,
    }


def _epoch_text(value) -> str:
    """Epoch seconds (int or numeric string) as a short local date and time; "" for none."""
    try:
        epoch = int(float(value))
    except (TypeError, ValueError):
        return ""
    if epoch <= 0:
        return ""
    local = timezone.localtime(dt.datetime.fromtimestamp(epoch, tz=dt.UTC))
    fmt = "M j, P" if local.year == clock.today().year else "M j, Y, P"
    return date_format(local, fmt)


def user_links(user_ids) -> dict:
    """Plex user id → the user's admin page (one query)."""
    ids = {uid for uid in user_ids if uid not in (None, "")}
    if not ids:
        return {}
    return {
        user_id: reverse("admin:users_user_change", args=[pk])
        for user_id, pk in User.objects.filter(user_id__in=ids).values_list("user_id", "pk")
    }


def library_links(window: StatsWindow, section_ids) -> dict:
    """Section id → the library's admin page (one query); a section id that several servers
    share (all-servers window) links nowhere."""
    ids = {sid for sid in section_ids if sid not in (None, "")}
    if not ids:
        return {}
    libraries = Library.objects.filter(section_id__in=ids)
    if window.server_id is not None:
        libraries = libraries.filter(server_id=window.server_id)
    found: dict[int, list[int]] = {}
    for section_id, pk in libraries.values_list("section_id", "pk"):
        found.setdefault(section_id, []).append(pk)
    return {
        section_id: reverse("admin:libraries_library_change", args=[pks[0]])
        for section_id, pks in found.items()
        if len(pks) == 1
    }
