#!/usr/bin/env python
"""Load benchmark: ``get_home_stats`` under concurrent connections while the monitor writes plays.

Not a test: it prints figures. Steps:

1. Generate a Tautulli database (``bench_foundation.generate``, cached in ``bench/out/``) and
   import it into a fresh database: PostgreSQL ``DATABASE_URL`` with ``_load_<rows>`` appended to
   its name (dropped and created), or SQLite in ``bench/out/load_<rows>/``. ``--skip-import``
   reuses it. The import builds the statistics rollups.
2. Start gunicorn as ``bench_vs_tautulli`` does (``gunicorn.conf.py``, 2 workers × 4 threads) and
   time the very first ``get_home_stats`` (30 days, then 365 days): the "first read"; then ten
   warm calls of each, one at a time (the service time without queueing).
3. For ``--seconds``: ``--connections`` client threads, each with its own kept-alive HTTP
   connection, loop on ``get_home_stats`` alternating ``time_range`` 30 and 365 (one request
   in five with ``grouping=0``), recording each latency and whether the envelope's result is
   "success". Meanwhile a writer process (this script with ``--writer``, Django set up with the
   server's ``DATA_DIR``/``DATABASE_URL``) acts as the monitor: every ``--write-interval`` seconds
   it writes one finished play (started a few minutes ago, stopped now, copied from one of the
   latest imported plays: same server, user, item) through ``plex.activity.store.write_history``,
   the function the Plex monitor calls for a stopped session, so the real triggers queue the play
   groups and rollup days. It also runs ``stats.tasks.update_statistics`` as django-q2's
   schedule would, 15 s into the load and then every 60 s. ``--no-writes`` keeps only the scheduled task.
4. Prints requests, errors, throughput, latency p50 / p90 / p99 / max overall and per request,
   the plays written (and how long each write and each scheduled update took), and the server's
   resident memory.

Usage::

    .venv/bin/python bench/bench_load.py --rows 20000 --seconds 30                 # SQLite
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_load.py
"""

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_vs_tautulli as vs  # noqa: E402
from bench_foundation import OUT, ROOT, fresh_database, generate, timed_import  # noqa: E402
from bench_vs_tautulli import API_KEY, call, rss_mb, start_ours, wait_until_up  # noqa: E402

LOAD_PORT = 8393
# start_ours() binds bench_vs_tautulli.OUR_PORT: use our own port, so that this benchmark never
# measures (or collides with) a bench_vs_tautulli server running at the same time.
vs.OUR_PORT = LOAD_PORT
STATS_INTERVAL = 60  # seconds, django-q2's schedule of stats.tasks.update_statistics
FIRST_STATS_RUN = 15  # seconds after the load starts: the schedule's phase in the minute

REQUESTS = [
    ("time_range=30", {"cmd": "get_home_stats", "time_range": "30"}),
    ("time_range=365", {"cmd": "get_home_stats", "time_range": "365"}),
]


# --- database ---------------------------------------------------------------------------------


def load_env(rows: int) -> dict:
    env = dict(os.environ)
    env["DATA_DIR"] = str(OUT / f"load_{rows}")
    env["TAUTULLI_API_KEY"] = API_KEY
    env.setdefault("LOG_LEVEL", "WARNING")
    if env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"{env['DATABASE_URL']}_load_{rows}"
    else:
        env.pop("DATABASE_URL", None)
    Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def database_exists(env: dict) -> bool:
    url = env.get("DATABASE_URL")
    if not url:
        return (Path(env["DATA_DIR"]) / "tautulli.sqlite3").exists()
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def prepare(rows: int, skip_import: bool) -> dict:
    env = load_env(rows)
    if skip_import and database_exists(env):
        return env
    if skip_import:
        print("--skip-import: no database yet, importing")
    source = generate(rows)
    # fresh_database() works on bench/out/data for SQLite: clear this run's folder ourselves.
    for suffix in ("", "-wal", "-shm"):
        (Path(env["DATA_DIR"]) / f"tautulli.sqlite3{suffix}").unlink(missing_ok=True)
    fresh_database(env)  # PostgreSQL: drops and creates the database; then migrates
    seconds, rss = timed_import(source, env)
    print(f"imported {rows:,} rows in {seconds:.1f} s (peak RSS {rss:.0f} MB)")
    return env


# --- clients ----------------------------------------------------------------------------------


class Client(threading.Thread):
    """One kept-alive connection looping on get_home_stats until ``stop`` is set."""

    def __init__(self, index: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.index, self.stop = index, stop
        self.samples: list[tuple[str, float, bool]] = []  # (label, ms, success)
        self.failures: list[str] = []
        self.conn = None

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", LOAD_PORT, timeout=120)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn closed the idle kept-alive connection: reconnect once, as clients do
                self.connect()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def run(self):
        self.connect()
        n = self.index  # threads start at different points of the cycle
        while not self.stop.is_set():
            label, params = REQUESTS[n % len(REQUESTS)]
            if n % 10 >= 8:  # one request in five with grouping=0, both time ranges
                params, label = {**params, "grouping": "0"}, f"{label} grouping=0"
            n += 1
            path = "/api/v2?" + urllib.parse.urlencode({"apikey": API_KEY, **params})
            started = time.perf_counter()
            ok = False
            try:
                status, body = self.get(path)
                ok = status == 200 and json.loads(body)["response"]["result"] == "success"
                if not ok:
                    self.failures.append(f"{status} {body[:200]!r}")
            except Exception as exc:  # noqa: BLE001 - counted as an error
                self.failures.append(repr(exc))
                self.connect()
            self.samples.append((label, (time.perf_counter() - started) * 1000, ok))
        self.conn.close()


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def postgres_seconds() -> float:
    """User + system CPU seconds of the PostgreSQL processes running now (0 without any)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (gunicorn's master and workers)."""
    out = subprocess.run(
        ["ps", "-o", "pid=", "--pid", str(pid), "--ppid", str(pid)], text=True, capture_output=True
    ).stdout
    total = 0
    for child in out.split():
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


class ThreadStates(threading.Thread):
    """Samples, every 0.25 s, what each thread of the gunicorn workers waits in (its kernel
    ``wchan``, or "running"): a cheap view of where the requests' time goes. With SQLite,
    ``hrtimer_nanosleep`` is SQLite's busy handler sleeping until a lock is free."""

    def __init__(self, pid: int, stop: threading.Event, database_url: str | None):
        super().__init__(daemon=True)
        self.pid, self.stop, self.database_url = pid, stop, database_url
        self.counts: dict[str, int] = {}
        self.pg_waits: dict[str, int] = {}  # PostgreSQL: active backends by wait event

    def run(self):
        pg = None
        if self.database_url:
            import psycopg

            pg = psycopg.connect(self.database_url, autocommit=True)
        while not self.stop.wait(0.25):
            if pg is not None:
                for name, n in pg.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU'), count(*) "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1"
                ):
                    self.pg_waits[name] = self.pg_waits.get(name, 0) + n
            out = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(self.pid)], text=True, capture_output=True
            ).stdout
            for worker in out.split():
                for task in Path(f"/proc/{worker}").glob("task/*"):
                    try:
                        state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
                        wchan = (task / "wchan").read_text().strip()
                    except OSError:
                        continue
                    key = "running" if state == "R" else (wchan or state)
                    self.counts[key] = self.counts.get(key, 0) + 1
        if pg is not None:
            pg.close()


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, round(p * len(sorted_values)) - 1))]


def summary_line(label: str, values: list[float]) -> str:
    values = sorted(values)
    return (
        f"  {label:28s} n={len(values):6d}  p50 {percentile(values, 0.50):7.1f}  "
        f"p90 {percentile(values, 0.90):7.1f}  p99 {percentile(values, 0.99):7.1f}  "
        f"max {values[-1] if values else float('nan'):7.1f} ms"
    )


# --- writer (the monitor and the scheduler), run as a child process ----------------------------


def writer_main(interval: float, writes: bool) -> None:
    """Write one finished play every ``interval`` s and update the statistics every 60 s, until
    SIGTERM. One JSON line per event on stdout."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
    import django

    django.setup()
    import datetime as dt

    from model_bakery import baker

    from history.models import History, HistoryMetadata
    from plex.activity.store import write_history
    from servers.models import Session
    from stats.tasks import update_statistics

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def emit(**event):
        print(json.dumps(event), flush=True)

    # Templates: the latest imported plays of movies and episodes (their server, user, item).
    templates = list(
        History.objects.filter(media_type__in=["movie", "episode"], user__isnull=False)
        .select_related("server", "user", "metadata")
        .order_by("-id")[:200]
    )
    if writes and not templates:
        emit(event="error", message="no imported plays to copy")
        writes = False
    metadata_fields = [f for f in HistoryMetadata._meta.concrete_fields if f.name != "history"]

    def metadata_of(history) -> dict:
        """The item's metadata as the monitor's fetch returns it (epoch seconds for dates)."""
        out = {}
        for field in metadata_fields:
            value = getattr(history.metadata, field.attname)
            out[field.attname] = int(value.timestamp()) if isinstance(value, dt.datetime) else value
        out["section_id"] = history.section_id
        return out

    def write_play(template, meta, now, minutes, duration, session_key):
        """A stopped session row, as the monitor leaves it, then its history written."""
        session = baker.make(
            Session,
            server=template.server,
            session_key=session_key,
            session_id=f"load-{session_key}",
            user_id=template.user.user_id,
            user=template.username,
            friendly_name=template.username,
            rating_key=template.rating_key,
            parent_rating_key=template.parent_rating_key,
            grandparent_rating_key=template.grandparent_rating_key,
            media_type=template.media_type,
            title=meta.get("title"),
            parent_title=meta.get("parent_title"),
            grandparent_title=meta.get("grandparent_title"),
            full_title=meta.get("full_title"),
            section_id=template.section_id,
            duration=duration,
            view_offset=min(duration, minutes * 60 * 1000),
            machine_id=template.machine_id or "load-bench",
            player=template.player,
            platform=template.platform,
            product=template.product,
            ip_address=template.ip_address,
            location=template.location or "lan",
            started=now - minutes * 60,
            stopped=now,
            paused_counter=0,
            state=Session.State.STOPPED,
            live=0,
            raw_stream_info="",
        )
        return write_history(
            template.server, session, fetch_metadata=lambda server, key: meta, now=now
        )

    rng = random.Random(1)
    session_key = 900_000
    started_at = time.monotonic()
    next_write = started_at + (interval if writes else float("inf"))
    next_stats = started_at + FIRST_STATS_RUN
    while not stop.is_set():
        now_mono = time.monotonic()
        if now_mono >= next_write:
            next_write += interval
            template = rng.choice(templates)
            meta = metadata_of(template)
            now = int(time.time())
            minutes = rng.randint(3, 20)
            duration = meta.get("duration") or 2 * 3600 * 1000
            session_key += 1
            t0 = time.perf_counter()
            try:
                outcome = write_play(template, meta, now, minutes, duration, session_key)
            except Exception as exc:  # noqa: BLE001 - reported, the loop goes on
                emit(event="write", ms=(time.perf_counter() - t0) * 1000, error=repr(exc))
                continue
            emit(
                event="write",
                ms=(time.perf_counter() - t0) * 1000,
                history_id=outcome.history.pk if outcome.history else None,
                pending=bool(outcome.pending),
            )
        if now_mono >= next_stats:
            next_stats += STATS_INTERVAL
            t0 = time.perf_counter()
            try:
                update_statistics()
            except Exception as exc:  # noqa: BLE001 - reported, the loop goes on
                emit(event="error", message=f"update_statistics: {exc!r}")
            emit(event="update_statistics", ms=(time.perf_counter() - t0) * 1000)
        stop.wait(max(0.0, min(next_write, next_stats) - time.monotonic()))


def start_writer(env: dict, interval: float, writes: bool) -> subprocess.Popen:
    args = [sys.executable, str(Path(__file__).resolve()), "--writer"]
    args += ["--write-interval", str(interval)]
    if not writes:
        args.append("--no-writes")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30, help="duration of the load")
    parser.add_argument("--skip-import", action="store_true", help="reuse the imported database")
    parser.add_argument("--write-interval", type=float, default=2.0, help="seconds between plays")
    parser.add_argument("--no-writes", action="store_true", help="no plays written")
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.writer:
        writer_main(args.write_interval, not args.no_writes)
        return

    env = prepare(args.rows, args.skip_import)
    database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    server = start_ours(env)
    writer = None
    try:
        wait_until_up(LOAD_PORT, server)
        first = {label: call(LOAD_PORT, params) for label, params in REQUESTS}
        # Service time without concurrency: warm calls one at a time (both workers warmed).
        alone = {
            label: statistics.median(call(LOAD_PORT, params) for _ in range(10))
            for label, params in REQUESTS
        }

        writer = start_writer(env, args.write_interval, not args.no_writes)
        stop = threading.Event()
        clients = [Client(i, stop) for i in range(args.connections)]
        started, cpu_before = time.monotonic(), os.times()
        server_cpu, machine_before = cpu_seconds(server.pid), machine_ticks()
        writer_cpu, pg_cpu = cpu_seconds(writer.pid), postgres_seconds()
        states = ThreadStates(server.pid, stop, env.get("DATABASE_URL"))
        states.start()
        for client in clients:
            client.start()
        time.sleep(args.seconds)
        stop.set()
        for client in clients:
            client.join(timeout=180)
        elapsed = time.monotonic() - started
        cpu_after = os.times()
        server_cpu = cpu_seconds(server.pid) - server_cpu
        writer_cpu = cpu_seconds(writer.pid) - writer_cpu
        pg_cpu = postgres_seconds() - pg_cpu
        machine_after = machine_ticks()
        busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
        busy_seconds = (machine_after[0] - machine_before[0]) / os.sysconf("SC_CLK_TCK")
        client_cpu = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
        memory = rss_mb(server.pid)
        writer.send_signal(signal.SIGTERM)
        writer_out, _ = writer.communicate(timeout=120)
    finally:
        if writer is not None and writer.poll() is None:
            writer.kill()
        server.terminate()
        server.wait(timeout=60)

    events = [json.loads(line) for line in writer_out.splitlines() if line.startswith("{")]
    samples = [s for client in clients for s in client.samples]
    failures = [f for client in clients for f in client.failures]
    errors = sum(1 for _, _, ok in samples if not ok)
    print(
        f"\n{args.rows:,} plays imported, {database}; gunicorn 2 workers × 4 threads; "
        f"{args.connections} connections for {elapsed:.1f} s"
    )
    print(
        "first read (right after start): " + ", ".join(f"{k} {v:.0f} ms" for k, v in first.items())
    )
    print("alone, warm (median of 10): " + ", ".join(f"{k} {v:.0f} ms" for k, v in alone.items()))
    print(
        f"requests: {len(samples)}, errors: {errors}, "
        f"throughput: {len(samples) / elapsed:.1f} req/s"
    )
    print("latency (client side, queueing included):")
    print(summary_line("all", [ms for _, ms, _ in samples]))
    for label, _ in REQUESTS:
        print(summary_line(label, [ms for lb, ms, _ in samples if lb.startswith(label)]))
    for label in sorted({lb for lb, _, _ in samples}):
        if "grouping" in label:
            print(summary_line(label, [ms for lb, ms, _ in samples if lb == label]))
    writes = [e for e in events if e["event"] == "write"]
    written = [e for e in writes if e.get("history_id")]
    for e in writes:
        if "error" in e:
            print(f"writer error: {e['error']}")
    if writes:
        write_ms = sorted(e["ms"] for e in writes)
        print(
            f"plays written: {len(written)} of {len(writes)} attempts; write p50 "
            f"{statistics.median(write_ms):.0f} ms, max {write_ms[-1]:.0f} ms"
        )
    else:
        print("plays written: 0")
    updates = [e["ms"] for e in events if e["event"] == "update_statistics"]
    if updates:
        print("update_statistics runs: " + ", ".join(f"{ms:.0f} ms" for ms in updates))
    for e in events:
        if e["event"] == "error":
            print(f"writer: {e['message']}")
    print(f"server RSS (master + workers): {memory:.0f} MB")
    total = sum(states.counts.values()) or 1
    top = sorted(states.counts.items(), key=lambda kv: -kv[1])[:6]
    print(
        "server threads (workers' main + request threads, sampled): "
        + ", ".join(f"{name} {100 * n / total:.0f} %" for name, n in top)
    )
    if states.pg_waits:
        samples_pg = sum(states.pg_waits.values())
        top_pg = sorted(states.pg_waits.items(), key=lambda kv: -kv[1])[:5]
        print(
            "PostgreSQL active backends (sampled): "
            + ", ".join(f"{name} {100 * n / samples_pg:.0f} %" for name, n in top_pg)
        )
    others = busy_seconds - server_cpu - writer_cpu - pg_cpu - client_cpu
    print(
        f"CPU during the load, % of one core: server {100 * server_cpu / elapsed:.0f}, "
        f"PostgreSQL {100 * pg_cpu / elapsed:.0f}, writer {100 * writer_cpu / elapsed:.0f}, "
        f"this script {100 * client_cpu / elapsed:.0f}, other processes "
        f"{100 * max(0.0, others) / elapsed:.0f}; machine {100 * busy:.0f} % busy "
        f"({os.cpu_count()} cores)"
    )
    if others / elapsed > 0.2:
        print("  (other processes used the CPU during the load: the figures are pessimistic)")
    if failures:
        print(f"first errors: {failures[:3]}")


if __name__ == "__main__":
    main()
