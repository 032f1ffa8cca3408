"""The calendar of due actions: a month grid (``?month=2026-12``) of the open candidates by the
local day their action is due, with the bytes due that day; each links to the candidate, each
day to the list filtered on it."""

from __future__ import annotations

import calendar
import datetime as dt

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Candidate
from .common import size_text

PER_DAY = 6  # candidates named in a day's cell; the rest are "+N more" (a link to the list)


def month_of(text: str | None, today: dt.date) -> dt.date:
    """``"2026-12"`` → 2026-12-01; today's month when missing or unreadable."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def month_grid(first: dt.date, rule_set_id: int | None = None) -> list[list[dict]]:
    """The weeks (Monday first) of ``first``'s month, each day ``{"date", "in_month",
    "candidates": [up to PER_DAY], "more", "count", "size"}`` with the open candidates due that
    local day (one query)."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = timezone.make_aware(dt.datetime.combine(weeks[0][0], dt.time.min))
    end = timezone.make_aware(
        dt.datetime.combine(weeks[-1][-1] + dt.timedelta(days=1), dt.time.min)
    )
    candidates = Candidate.objects.open().filter(due_at__gte=start, due_at__lt=end)
    if rule_set_id:
        candidates = candidates.filter(rule_set_id=rule_set_id)
    days: dict[dt.date, dict] = {}
    for candidate in candidates.select_related("item", "rule_set").order_by("due_at", "id"):
        day = timezone.localtime(candidate.due_at).date()
        entry = days.setdefault(day, {"candidates": [], "count": 0, "size": 0})
        entry["count"] += 1
        entry["size"] += candidate.size or 0
        if len(entry["candidates"]) < PER_DAY:
            entry["candidates"].append(
                {
                    "title": str(candidate.item.title or candidate.item),
                    "size": size_text(candidate.size),
                    "url": reverse("admin:housekeeping_candidate_change", args=[candidate.pk]),
                    "rule_set": candidate.rule_set.name,
                }
            )
    changelist = reverse("admin:housekeeping_candidate_changelist")
    grid = []
    for week in weeks:
        row = []
        for day in week:
            entry = days.get(day, {"candidates": [], "count": 0, "size": 0})
            row.append(
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "candidates": entry["candidates"],
                    "count": entry["count"],
                    "more": entry["count"] - len(entry["candidates"]),
                    "size": size_text(entry["size"]) if entry["count"] else "",
                    "url": f"{changelist}?due={day.isoformat()}"
                    + (f"&rule_set__id__exact={rule_set_id}" if rule_set_id else ""),
                }
            )
        grid.append(row)
    return grid


def calendar_page(model_admin, request):
    today = timezone.localdate()
    first = month_of(request.GET.get("month"), today)
    rule_set = request.GET.get("rule_set", "")
    rule_set_id = int(rule_set) if rule_set.isdigit() else None
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    grid = month_grid(first, rule_set_id)
    suffix = f"&rule_set={rule_set_id}" if rule_set_id else ""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Due actions: %(month)s") % {"month": first.strftime("%B %Y")},
        "opts": model_admin.opts,
        "weeks": grid,
        "weekdays": [calendar.day_abbr[i] for i in range(7)],
        "previous_url": f"?month={previous:%Y-%m}{suffix}",
        "next_url": f"?month={following:%Y-%m}{suffix}",
        "today": today,
        "month_count": sum(day["count"] for week in grid for day in week if day["in_month"]),
        "changelist_url": reverse("admin:housekeeping_candidate_changelist"),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/housekeeping/candidate/calendar.html", context)
