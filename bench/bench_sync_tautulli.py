#!/usr/bin/env python
"""Benchmark of the sync from a running Tautulli (issue 13: "a sync of 1M history rows from the
Tautulli stand-in: <= 5 minutes, memory flat").

Not a test: it prints figures. Steps:

1. Generate a Tautulli database of ``--rows`` history rows with
   ``shared/tautulli-db/make_tautulli_db.py`` (cached in ``bench/out/``, as the other
   benchmarks) and copy it (rows are added to the copy for step 4).
2. Start the stand-in (``tautulli_import.testing.TautulliStandIn``) on that copy in a process of
   its own, as a real Tautulli would be: its CPU time is not this process's, but it shares the
   machine (its time is in the wall time).
3. A full sync (``sync_connection``) into a fresh database (PostgreSQL ``DATABASE_URL`` with
   ``_sync`` (``--suffix``) appended to its name, or SQLite in ``bench/out/sync_data/``): seconds, history
   rows/s, peak RSS of this process, and its RSS sampled over the run (flat = bounded by a page,
   not growing with the rows), and the CPU seconds of the sync and of the stand-in (less
   sensitive to other load on the machine than the wall time, which the load average qualifies).
4. ``--add`` new rows in the Tautulli database, then an incremental sync: seconds and rows.

Usage::

    .venv/bin/python bench/bench_sync_tautulli.py --rows 100000                 # SQLite
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app \\
        .venv/bin/python bench/bench_sync_tautulli.py                           # 1M rows
    .venv/bin/python bench/bench_sync_tautulli.py --rows 20000 --profile out.prof
"""

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import OUT, ROOT, generate, setup_fresh_django  # noqa: E402

API_KEY = "bench" * 6 + "ab"


def rss_mb() -> float:
    """This process's resident set now, in MB (Linux ``/proc``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RSSSampler:
    """Samples this process's RSS every ``every`` seconds in a thread: ``[(seconds, MB)]``."""

    def __init__(self, every: float = 1.0):
        self.every = every
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        started = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - started, rss_mb()))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def summary(self, points: int = 10) -> str:
        """About ``points`` evenly spaced samples, then the last one."""
        if not self.samples:
            return "(no samples)"
        step = max(1, len(self.samples) // points)
        chosen = self.samples[::step]
        if chosen[-1] != self.samples[-1]:
            chosen.append(self.samples[-1])
        return "  ".join(f"{t:.0f}s:{mb:.0f}" for t, mb in chosen)


def add_rows(path: Path, n: int) -> int:
    """Copy the last ``n`` plays of the Tautulli database at ``path`` as new plays (new ids, a
    day later). Returns the highest id before."""
    db = sqlite3.connect(path)
    try:
        top = db.execute("SELECT MAX(id) FROM session_history").fetchone()[0]
        for table in ("session_history", "session_history_metadata", "session_history_media_info"):
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
            names = ", ".join(cols)
            db.execute(
                f"INSERT INTO {table} (id, {names}) SELECT id + {n}, {names} FROM {table} "
                f"WHERE id > {top - n} ORDER BY id"
            )
        db.execute(
            "UPDATE session_history SET reference_id = id, started = started + 86400, "
            f"stopped = stopped + 86400 WHERE id > {top}"
        )
        db.commit()
    finally:
        db.close()
    return top


def serve(db_path: str) -> None:
    """``--serve DB``: run the stand-in until stdin closes; prints its URL first."""
    sys.path.insert(0, str(ROOT))
    from tautulli_import.testing import TautulliStandIn

    with TautulliStandIn(Path(db_path), API_KEY) as standin:
        print(standin.url, flush=True)
        sys.stdin.read()


def start_standin(db_path: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    return process, process.stdout.readline().strip()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process (all threads) or of process ``pid``."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_sync(conn, options: dict, label: str, profile: str | None = None, standin_pid=None):
    from history.models import History
    from tautulli_import.remote.sync import sync_connection

    before = History.objects.count()
    kwargs = {name: value for name, value in options.items() if value}
    cpu_before = cpu_seconds(), cpu_seconds(standin_pid) if standin_pid else 0.0
    with RSSSampler() as sampler:
        started = time.monotonic()
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(sync_connection, conn, **kwargs)
            profiler.dump_stats(profile)
        else:
            result = sync_connection(conn, **kwargs)
        seconds = time.monotonic() - started
    if result.error:
        raise SystemExit(f"{label}: sync failed: {result.error}")
    rows = History.objects.count() - before
    print(
        f"{label}: {rows:,} history rows in {seconds:.1f} s, {rows / seconds:,.0f} rows/s, "
        f"{result.pages} pages; peak RSS {peak_rss_mb():,.0f} MB"
    )
    ours = cpu_seconds() - cpu_before[0]
    standin = cpu_seconds(standin_pid) - cpu_before[1] if standin_pid else 0.0
    print(
        f"  CPU s: sync {ours:.1f}, stand-in {standin:.1f}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  RSS MB over time: {sampler.summary()}")
    return result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--add", type=int, default=1000, help="rows added before the 2nd sync")
    parser.add_argument("--page-length", type=int, default=None, help="get_history length")
    parser.add_argument("--profile", help="write a cProfile of the full sync to this file")
    parser.add_argument(
        "--suffix", default="sync", help="PostgreSQL: DATABASE_URL's name + _SUFFIX (dropped)"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    source = generate(args.rows)
    work = OUT / f"sync_source_{args.rows}_{args.suffix}.db"
    shutil.copy(source, work)
    url = os.environ.get("DATABASE_URL")
    setup_fresh_django(OUT / f"{args.suffix}_data", url, args.suffix)
    print(
        f"database: {'PostgreSQL' if url else 'SQLite'}; rows: {args.rows:,}; "
        f"RSS before the sync {rss_mb():.0f} MB"
    )

    from tautulli_import.models import TautulliConnection

    process, standin_url = start_standin(work)
    try:
        conn = TautulliConnection.objects.create(name="bench", url=standin_url, api_key=API_KEY)
        options = {"page_length": args.page_length}
        timed_sync(conn, options, "full sync", args.profile, process.pid)
        if args.add:
            add_rows(work, args.add)
            timed_sync(conn, options, f"incremental sync (+{args.add})", None, process.pid)
            timed_sync(conn, options, "sync with nothing new", None, process.pid)
    finally:
        process.stdin.close()
        process.wait(10)
        work.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
