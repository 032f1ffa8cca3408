#!/usr/bin/env python
"""Benchmark of the monitor (issue 3): the reconciling poll, and memory over a simulated day.

Not a test: it prints figures. In-process, against the fake PMS on loopback (plexapi unpatched):

1. **Poll of 50 streams**: 50 viewers play (movies, episodes, tracks; direct play, direct stream,
   transcode; LAN and WAN); after the first poll has started them, each further poll refreshes all
   50 rows. Reported per poll, p50/p95 over ``--repeat`` runs: the whole poll, PMS's part
   (``/status/sessions`` request + plexapi parsing it) and ours (the rest), and the number of
   SQL queries per session (also with 10 streams: it must not grow with the count).
2. **Memory over a simulated day**: 20 viewers play, pause, resume and stop at random for 24
   simulated hours (10-second steps, every notification through the state machine, every stop
   written to history with the item's metadata read from the fake). Python memory allocated by our
   code (tracemalloc, the fake's own frames excluded) is sampled every simulated hour; the mean
   of the day's second half is compared with the first half's (after a warm-up hour).

Usage::

    .venv/bin/python bench/bench_monitoring.py                         # SQLite in bench/out
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_monitoring.py
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import OUT, setup_fresh_django  # noqa: E402

T0 = 1_795_000_000


def setup_django(database_url: str | None) -> None:
    """A fresh database, migrated (:func:`bench_foundation.setup_fresh_django`)."""
    setup_fresh_django(OUT / "monitor_data", database_url, "bench_monitor")


def make_server(pms, name):
    from servers.models import Server

    return Server.objects.create(
        name=name, url=pms.url, token=pms.token, machine_identifier=pms.machine_identifier
    )


VARIANTS = [
    {"media_type": "movie", "decision": "directplay", "location": "lan"},
    {"media_type": "episode", "decision": "transcode", "location": "wan"},
    {"media_type": "track", "decision": "copy", "location": "lan"},
    {"media_type": "movie", "decision": "transcode", "location": "wan"},
    {"media_type": "episode", "decision": "directplay", "location": "lan"},
]


def bench_poll(streams: int, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plex.activity.handler import ActivityHandler, fetch_live_sessions
    from plex.activity.reconcile import reconcile
    from plex.testing import FakePlexServer
    from servers.models import Session

    with FakePlexServer(token="bench-token", machine_identifier=f"bench{streams:035d}") as pms:
        pms.clock.now_ms = T0 * 1000
        server = make_server(pms, f"Bench {streams}")
        fetch_seconds = []

        def timed_fetch(srv):
            started = time.perf_counter()
            try:
                return fetch_live_sessions(srv, 10)
            finally:
                fetch_seconds.append(time.perf_counter() - started)

        handler = ActivityHandler(
            server, clock=lambda: pms.clock.now_ms / 1000, fetch_sessions=timed_fetch
        )
        for index in range(streams):
            variant = VARIANTS[index % len(VARIANTS)]
            pms.viewer(
                user_id=1000 + index, address=f"10.0.{index // 250}.{index % 250}", **variant
            ).play()
        result = reconcile(server, handler=handler)
        assert result.started == streams, result
        totals, ours, queries = [], [], []
        for _ in range(repeat):
            pms.clock.advance(30)
            fetch_seconds.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                result = reconcile(server, handler=handler)
                total = time.perf_counter() - started
            assert result.updated == streams and result.ok, result
            totals.append(total * 1000)
            ours.append((total - sum(fetch_seconds)) * 1000)
            queries.append(len(captured.captured_queries))
        Session.objects.filter(server=server).delete()
    return {
        "streams": streams,
        "total_p50": statistics.median(totals),
        "total_p95": sorted(totals)[int(len(totals) * 0.95) - 1],
        "ours_p50": statistics.median(ours),
        "ours_p95": sorted(ours)[int(len(ours) * 0.95) - 1],
        "queries": statistics.median(queries),
    }


def traced(exclude) -> int:
    snapshot = tracemalloc.take_snapshot().filter_traces(exclude)
    return sum(stat.size for stat in snapshot.statistics("filename"))


def bench_day(viewers: int, hours: int, seed: int = 1) -> list[tuple[int, int, int]]:
    """Returns [(simulated hour, traced bytes, traced bytes without the bounded caches)]."""
    from django.db import reset_queries

    from history.models import History
    from plex.activity.handler import ActivityHandler, RecentMetadata
    from plex.client import clear_cache
    from plex.testing import FakePlexServer

    rng = random.Random(seed)
    samples = []
    with FakePlexServer(token="day-token", machine_identifier="day" + "0" * 37) as pms:
        pms.clock.now_ms = T0 * 1000
        server = make_server(pms, "Day")
        handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000)

        def deliver(message):
            for item in message["NotificationContainer"]["PlaySessionStateNotification"]:
                handler.process(item)

        pms.timeline.listeners.append(deliver)
        people = [
            pms.viewer(user_id=2000 + i, **VARIANTS[i % len(VARIANTS)]) for i in range(viewers)
        ]
        exclude = [
            tracemalloc.Filter(False, "*/plex/testing/*"),
            tracemalloc.Filter(False, tracemalloc.__file__),
        ]
        tracemalloc.start()
        steps_per_hour = 360
        for step in range(hours * steps_per_hour):
            pms.clock.advance(10)
            for viewer in people:
                roll = rng.random()
                if viewer.state in (None, "stopped"):
                    if roll < 0.02:
                        viewer.play(offset_ms=rng.randrange(0, viewer.duration_ms // 2))
                elif viewer.state == "playing":
                    if viewer.view_offset >= viewer.duration_ms or roll < 0.004:
                        viewer.stop()
                    elif roll < 0.01:
                        viewer.pause()
                    elif roll < 0.012:
                        viewer.buffer()
                elif roll < 0.05:
                    viewer.resume()
            if step % 6 == 0:
                handler.stop_stale()
            pms.timeline.notifications.clear()
            pms.requests.clear()
            reset_queries()
            if (step + 1) % steps_per_hour == 0:
                gc.collect()  # count what is still referenced, not garbage awaiting collection
                cached = traced(exclude)
                # The bounded caches (library items ≤ 500 for 10 min, PlexServer objects for
                # 5 min) hold whatever items were read last: measure without them too.
                handler.metadata = RecentMetadata()
                clear_cache()
                gc.collect()
                samples.append(((step + 1) // steps_per_hour, cached, traced(exclude)))
        tracemalloc.stop()
        print(f"  simulated day: {History.objects.filter(server=server).count()} plays logged")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--hours", type=int, default=24)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    setup_django(database_url)
    from django.db import connection

    print(f"database: {connection.vendor}")
    for streams in (10, 50):
        r = bench_poll(streams, args.repeat)
        print(
            f"poll of {r['streams']} streams: total p50 {r['total_p50']:.1f} ms / p95 "
            f"{r['total_p95']:.1f} ms; ours p50 {r['ours_p50']:.1f} ms / p95 {r['ours_p95']:.1f} ms; "
            f"{r['queries']:.0f} queries ({r['queries'] / r['streams']:.2f} per stream)"
        )
    samples = bench_day(20, args.hours)
    for hour, cached, bare in samples:
        if hour in (1, 2, 6, 12, 18, 24) or hour == samples[-1][0]:
            print(
                f"  hour {hour:2d}: {cached / 1024:.0f} KiB, {bare / 1024:.0f} KiB without caches"
            )
    # Compare the mean of the day's second half with the first (after a warm-up hour).
    for label, index in (("with caches", 1), ("without caches", 2)):
        steady = [sample[index] for sample in samples if sample[0] > 1]
        half = len(steady) // 2
        first, second = steady[:half], steady[half:]
        if first and second:
            growth = (statistics.mean(second) - statistics.mean(first)) / statistics.mean(first)
            print(
                f"memory {label}: first half mean {statistics.mean(first) / 1024:.0f} KiB, "
                f"second half {statistics.mean(second) / 1024:.0f} KiB ({growth * 100:+.1f} %); "
                f"min {min(steady) / 1024:.0f} / max {max(steady) / 1024:.0f} KiB"
            )


if __name__ == "__main__":
    main()
