#!/usr/bin/env python
"""Benchmark of the library inventory refresh (issue 13: "an incremental refresh of an unchanged
100k-item library against the fake PMS: <= 10 s").

Not a test: it prints figures. In-process, against the fake PMS on loopback (plexapi unpatched),
serving a generated library (:func:`plex.testing.inventory_library.add_generated_library`:
movies, shows/seasons/episodes and artists/albums/tracks in a real library's proportions, each
item a recorded PMS element with its identity changed; pages answered by slicing pre-rendered
items, as cheaply as a real PMS answers them). The fake runs in this process, so its work
counts in the figures. Steps, each timed (wall seconds of ``refresh_inventory``, and the CPU
seconds of this process, every thread: ours, plexapi's and the fake's, not the database
server's: steadier than wall time on a busy machine) with the peak RSS of the process during the
step (Linux: VmHWM, reset before each step):

1. first refresh (every item written);
2. unchanged refresh (nothing written; the target: <= 10 s at 100,000 items);
3. refresh after ``--changed`` percent of the items got a newer ``updatedAt``.

``--repeat`` runs the unchanged refresh several times (p50 and min reported). ``--profile``
prints the cProfile top of each step (the figures are then slower).

Usage::

    .venv/bin/python bench/bench_inventory.py                      # SQLite in bench/out, 100k items
    .venv/bin/python bench/bench_inventory.py --items 20000 --profile
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_inventory.py
"""

import argparse
import cProfile
import os
import pstats
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import OUT, setup_fresh_django  # noqa: E402


def reset_peak_rss() -> bool:
    """Reset the kernel's peak RSS of this process (Linux ``clear_refs`` 5); False if it can't."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak RSS of this process in MB: VmHWM (since the last reset), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, server, profile: bool = False) -> float:
    from plex.inventory import refresh_inventory

    reset_peak_rss()
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    counts = refresh_inventory(server)
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"{label:<24} {seconds:7.2f} s (CPU {cpu:6.2f} s)   peak RSS {peak_rss_mb():5.0f} MB   "
        f"items {counts['items']}, written {counts['written']}, added {counts['added']}, "
        f"removed {counts['removed']}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="library size (default 100,000)")
    parser.add_argument("--changed", type=float, default=1.0, help="percent changed in step 3")
    parser.add_argument("--repeat", type=int, default=1, help="unchanged refreshes to time")
    parser.add_argument("--profile", action="store_true", help="cProfile each step")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL")
    setup_fresh_django(OUT / "inventory_data", database_url, "bench_inventory")
    from django.db import connection

    from plex.testing import FakePlexServer
    from plex.testing.inventory_library import add_generated_library
    from servers.models import Server

    print(f"database: {connection.vendor}; items: {args.items}; CPUs: {os.cpu_count()}")
    with FakePlexServer(token="bench-token") as pms:
        started = time.perf_counter()
        library = add_generated_library(pms, args.items)
        print(
            f"fake library built in {time.perf_counter() - started:.1f} s: {library.counts}; "
            f"RSS now {peak_rss_mb():.0f} MB"
        )
        server = Server.objects.create(name="Bench", url=pms.url, token=pms.token)
        timed("first refresh", server, args.profile)
        runs = [timed("unchanged refresh", server, args.profile) for _ in range(args.repeat)]
        if len(runs) > 1:
            print(f"unchanged refresh p50 {statistics.median(runs):.2f} s, min {min(runs):.2f} s")
        rng = random.Random(13)
        changed = rng.sample(
            library.rating_keys, round(len(library.rating_keys) * args.changed / 100)
        )
        for rating_key in changed:
            library.touch(rating_key, updated_at=1_800_000_000)
        timed(f"after {args.changed:g}% changed", server, args.profile)
        print(f"requests served by the fake: {len(pms.requests)}")


if __name__ == "__main__":
    main()
