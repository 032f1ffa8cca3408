#!/usr/bin/env python
"""Benchmark of statistics (issue 4): home stats, every graph, the tables and the dashboard.

Not a test: it prints figures. Steps:

1. Generate a Tautulli database with ``shared/tautulli-db/make_tautulli_db.py`` (cached in
   ``bench/out/``; history ends 2026-11-22, see bench_foundation.END_EPOCH).
2. Import it into a fresh database (PostgreSQL ``DATABASE_URL`` with ``_stats_<rows>`` appended to
   its name, or a SQLite file in ``bench/out/stats_<rows>/``) with ``manage.py import_tautulli``
   in a subprocess: the import also builds the daily rollups. Wall time is reported.
3. Time warm requests through Django's test client (server time, no network): p50 / p95 in ms
   over ``--repeat`` runs, after one warm-up run each.
4. Print the plan (EXPLAIN) of the slowest SQL statement of the slowest request.

When today is more than a day after the generated history's end, every request gets
``before=<end date>`` so that the windows still hold data (same code path as ``time_range``).

Usage::

    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_stats.py --rows 1000000
    .venv/bin/python bench/bench_stats.py --rows 1000000                 # SQLite
    ... --rows 10000000 (generation ~15 min and import ~1 h on 2 cores)
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import END_EPOCH, OUT, ROOT, fresh_database, generate, timed_import  # noqa: E402

GRAPHS = (
    "get_plays_by_date",
    "get_plays_by_dayofweek",
    "get_plays_by_hourofday",
    "get_plays_by_top_10_platforms",
    "get_plays_by_top_10_users",
    "get_plays_by_stream_type",
    "get_concurrent_streams_by_stream_type",
    "get_plays_by_source_resolution",
    "get_plays_by_stream_resolution",
    "get_stream_type_by_top_10_users",
    "get_stream_type_by_top_10_platforms",
    "get_plays_by_library",
)


def stats_env(database_url: str | None, rows: int) -> dict:
    env = dict(os.environ)
    env["DATA_DIR"] = str(OUT / f"stats_{rows}")
    env["TAUTULLI_API_KEY"] = "bench" * 6 + "ab"
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
        Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def cases(pin: dict) -> dict[str, dict]:
    result = {
        "get_home_stats time_range=30": {"cmd": "get_home_stats", "time_range": "30"},
        "get_home_stats time_range=365": {"cmd": "get_home_stats", "time_range": "365"},
    }
    for cmd in GRAPHS:
        result[f"{cmd} 30 days"] = {"cmd": cmd, "time_range": "30"}
    result["get_plays_per_month 12 months"] = {"cmd": "get_plays_per_month", "time_range": "12"}
    result["get_users_table"] = {"cmd": "get_users_table"}
    result["get_libraries_table"] = {"cmd": "get_libraries_table"}
    result["get_history first page (grouped)"] = {"cmd": "get_history", "grouping": "1"}
    heaviest = heaviest_user()
    for grouping in ("1", "0"):
        result[f"get_user_watch_time_stats user_id=heaviest grouping={grouping}"] = {
            "cmd": "get_user_watch_time_stats",
            "user_id": str(heaviest),
            "grouping": grouping,
        }
    for params in result.values():
        params.update(pin)
    return result


def heaviest_user() -> int:
    """The user_id with the most history rows (Django set up)."""
    from django.db.models import Count

    from history.models import History

    row = (
        History.objects.exclude(user_id=None)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["user_id"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)]


def time_requests(env: dict, repeat: int, only: str | None = None) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    end_day = dt.datetime.fromtimestamp(END_EPOCH, tz=dt.UTC).date()
    pin = {}
    if timezone.localdate() > end_day + dt.timedelta(days=1):
        pin = {"before": end_day.isoformat()}
        print(f"history ends {end_day}: requests pinned with before={end_day}")

    client = Client()
    key = env["TAUTULLI_API_KEY"]
    results: list[tuple[str, list[float], list]] = []
    selected = {k: v for k, v in cases(pin).items() if not only or only in k}
    for label, params in selected.items():
        timings, queries = [], []
        for run in range(repeat + 1):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/api/v2", {"apikey": key, **params})
                elapsed = (time.perf_counter() - started) * 1000
            body = response.json()["response"]
            assert body["result"] == "success", (label, body["message"])
            if run:
                timings.append(elapsed)
            queries = captured.captured_queries
        results.append((label, timings, queries))

    admin = get_user_model().objects.filter(username="bench").first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("bench", "", "bench-password")
    client.force_login(admin)
    pages = (("dashboard (admin index)", "/admin/" + (f"?before={pin['before']}" if pin else "")),)
    for label, path in (p for p in pages if not only or only in p[0]):
        timings = []
        for run in range(repeat + 1):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, label
            if run:
                timings.append(elapsed)
        results.append((label, timings, captured.captured_queries))

    for label, timings, queries in results:
        print(
            f"{label:48s} p50 {statistics.median(timings):8.1f} ms   "
            f"p95 {percentile(timings, 0.95):8.1f} ms   {len(queries):3d} queries"
        )
    label, timings, queries = max(results, key=lambda r: statistics.median(r[1]))
    slowest = max(queries, key=lambda q: float(q["time"]))
    print(f"\nslowest request: {label}; its slowest statement ({slowest['time']} s):")
    print(slowest["sql"][:2000])
    explain = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        cursor.execute(explain + slowest["sql"])
        for row in cursor.fetchall():
            print("   ", " ".join(str(part) for part in row))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-import", action="store_true", help="reuse the imported database")
    parser.add_argument("--only", help="time only the requests whose label contains this text")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL")
    if url:
        url = f"{url}_stats_{args.rows}"
    env = stats_env(url, args.rows)
    print(f"database: {'PostgreSQL' if url else 'SQLite'}; rows: {args.rows:,}")
    if not args.skip_import:
        source = generate(args.rows)
        if not url:
            for suffix in ("", "-wal", "-shm"):
                path = Path(env["DATA_DIR"]) / f"tautulli.sqlite3{suffix}"
                if path.exists():
                    path.unlink()
        fresh_database(env)
        seconds, peak_mb = timed_import(source, env)
        print(f"import (with rollups): {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB")
    time_requests(env, args.repeat, args.only)


if __name__ == "__main__":
    main()
