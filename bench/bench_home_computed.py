#!/usr/bin/env python
"""Home statistics computed, without the cache (issue 11): ``stats.home_stats.home_stats`` in
process for 30 and 365 days, the clock at the generated history's end, medians of 5 after one
warm-up call. Not a test: it prints figures.

It reads the database an earlier ``bench_vs_tautulli.py --rows N`` imported (SQLite in
``bench/out/vs_<N>/``, or PostgreSQL ``<DATABASE_URL>_vs_<N>``)::

    .venv/bin/python bench/bench_home_computed.py --rows 1000000
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_home_computed.py --rows 10000000
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The end of the generated history (make_tautulli_db.py --end-epoch 1795305600) minus 10 days.
NOW = dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
    os.environ["DATA_DIR"] = str(ROOT / "bench" / "out" / f"vs_{args.rows}")
    if os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"{os.environ['DATABASE_URL']}_vs_{args.rows}"
    import django

    django.setup()
    import time_machine
    from django.db import connection

    from core.tautulli_api import Params
    from stats.api_params import window_from_params
    from stats.home_stats import home_stats

    with time_machine.travel(NOW, tick=True):
        for days in ("30", "365"):
            window = window_from_params(Params({"time_range": days}))
            home_stats(window)
            times = []
            for _ in range(5):
                started = time.perf_counter()
                home_stats(window)
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"{args.rows:,} plays, {connection.vendor}, {days} days computed: "
                f"median {statistics.median(times):.0f} ms (min {min(times):.0f})"
            )


if __name__ == "__main__":
    main()
