"""Peak concurrent streams per local date (:class:`~stats.models.DailyConcurrency`).

A day's peak is the largest number of streams playing at one instant of that local date,
counting streams that began the day before and were still playing (reference 6.2 computes it over
the streams *started* that day only, which misses the overlap across midnight). Simultaneity is
Tautulli's sweep line: a stream that stops at the instant another starts does not overlap it;
among equal peaks the latest one is reported. Rows are History rows (continuations are separate
streams), as in Tautulli.
"""

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from core.timeutils import local_day_end, local_day_start, to_epoch
from history.models import History

from .models import DailyConcurrency

# A stream is looked for this long before the day it may still be playing in.
LONGEST_STREAM = dt.timedelta(days=7)
DECISIONS = ("direct play", "copy", "transcode")


def peak(intervals) -> tuple[int, int | None, int | None]:
    """(peak, started, stopped) of ``intervals`` [(start, stop)] in epoch seconds.

    ``started``/``stopped`` bound the latest moment the peak was reached: the last start before
    it and the first stop after it (None when there is no stream).
    """
    events = sorted([(start, 1) for start, _ in intervals] + [(stop, -1) for _, stop in intervals])
    count = best = 0
    best_started = best_stopped = last_start = None
    for time, delta in events:
        if delta == 1:
            count += 1
            if count >= best:
                last_start = time
        else:
            if count >= best and count > 0:
                best, best_started, best_stopped = count, last_start, time
            count -= 1
    return best, best_started, best_stopped


def day_rows(day: dt.date) -> list[DailyConcurrency]:
    """The DailyConcurrency rows of local ``day`` (unsaved), for all servers and each one."""
    start, end = local_day_start(day), local_day_end(day)
    rows = History.objects.filter(
        started__gte=start - LONGEST_STREAM, started__lt=end, stopped__gt=start
    ).values_list("server_id", "started", "stopped", "media_info__transcode_decision")
    low, high = to_epoch(start), to_epoch(end)
    groups: dict[tuple, list] = defaultdict(list)
    for server_id, started, stopped, decision in rows:
        interval = (max(to_epoch(started), low), min(to_epoch(stopped), high))
        for server in (None, server_id):
            groups[(server, "")].append(interval)
            if decision in DECISIONS:
                groups[(server, decision)].append(interval)
    result = []
    for (server_id, decision), intervals in groups.items():
        count, started, stopped = peak(intervals)
        if count:
            result.append(
                DailyConcurrency(
                    date=day,
                    server_id=server_id,
                    transcode_decision=decision,
                    peak=count,
                    peak_started=started,
                    peak_stopped=stopped,
                )
            )
    return result


def window_peaks(window) -> dict[tuple[dt.date, str], tuple[int, int | None, int | None]]:
    """{(local date, decision or "" for all): (peak, started, stopped)} of the History rows of
    a :class:`~stats.window.StatsWindow`'s users, sections and server, for every date of the
    window that had a stream, by :func:`day_rows`' rule. One query: for filtered requests,
    which :class:`DailyConcurrency` (all users) cannot answer."""
    rows = History.objects.filter(
        window.history_filters_q(),
        started__gte=window.start - LONGEST_STREAM,
        started__lt=window.end,
        stopped__gt=window.start,
    ).values_list("started", "stopped", "media_info__transcode_decision")
    bounds: dict[dt.date, tuple[int, int]] = {}
    pieces: dict[tuple[dt.date, str], list] = defaultdict(list)
    longest = int(LONGEST_STREAM.total_seconds())
    for started, stopped, decision in rows.order_by():
        begin, end = to_epoch(started), to_epoch(stopped)
        day = max(timezone.localtime(started).date(), window.first_day)
        while day <= window.last_day:
            if day not in bounds:
                bounds[day] = (to_epoch(local_day_start(day)), to_epoch(local_day_end(day)))
            low, high = bounds[day]
            if low >= end or begin < low - longest:
                break
            interval = (max(begin, low), min(end, high))
            pieces[(day, "")].append(interval)
            if decision in DECISIONS:
                pieces[(day, decision)].append(interval)
            day += dt.timedelta(days=1)
    return {key: peak(intervals) for key, intervals in pieces.items()}


def recompute_days(days) -> None:
    """Replace the rows of ``days`` (local dates), and of the day after each (a stream that
    crosses midnight counts in both)."""
    affected = sorted({d for day in days for d in (day, day + dt.timedelta(days=1))})
    DailyConcurrency.unsynced.filter(date__in=affected).delete()
    DailyConcurrency.unsynced.bulk_create([row for day in affected for row in day_rows(day)])


def rebuild() -> None:
    """Recompute every date that has history."""
    DailyConcurrency.unsynced.all().delete()
    first = History.objects.order_by("started").values_list("started", flat=True).first()
    last = History.objects.order_by("-stopped").values_list("stopped", flat=True).first()
    if first is None or last is None:
        return
    day, last_day = timezone.localtime(first).date(), timezone.localtime(last).date()
    batch: list[DailyConcurrency] = []
    while day <= last_day:
        batch.extend(day_rows(day))
        if len(batch) > 5000:
            DailyConcurrency.unsynced.bulk_create(batch)
            batch = []
        day += dt.timedelta(days=1)
    DailyConcurrency.unsynced.bulk_create(batch)
