#!/usr/bin/env python
"""Benchmark of ``manage.py move_database`` (issue 16): an imported SQLite install into PostgreSQL.

Not a test: it prints figures. Steps:

1. Generate a Tautulli database (``bench_foundation.generate``, cached in ``bench/out/``) and
   import it into a fresh SQLite install in ``bench/out/move-<rows>/`` (``manage.py
   import_tautulli`` in a subprocess, as ``bench_foundation``); the install is kept and reused
   by later runs (``--fresh`` builds it again).
2. Drop and create the PostgreSQL database ``--to`` (default ``app_b_move_bench`` on the local
   server) and run ``manage.py move_database --to ...`` in a subprocess: wall time, peak RSS of
   that process and its RSS sampled every second (memory must stay flat), rows moved.

With ``--compare-api``, 25 /api/v2 answers (``bench/api_answers.py``) of the SQLite install and
of the moved database are compared.

Usage::

    .venv/bin/python bench/bench_move_database.py --rows 1000000 --compare-api
    .venv/bin/python bench/bench_move_database.py --rows 100000 --to postgres://app:app@127.0.0.1:5432/x
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import OUT, ROOT, bench_env, generate, manage, timed_import  # noqa: E402


def sqlite_install(rows: int, fresh: bool) -> dict:
    """The environment of an imported SQLite install of ``rows`` plays (built once)."""
    data = OUT / f"move-{rows}"
    done = data / "imported"
    if fresh and data.exists():
        shutil.rmtree(data)
    env = bench_env(None)
    env["DATA_DIR"] = str(data)
    env["LOG_LEVEL"] = "WARNING"
    if not done.exists():
        source = generate(rows)
        data.mkdir(parents=True, exist_ok=True)
        for ending in ("", "-wal", "-shm"):
            (data / f"tautulli.sqlite3{ending}").unlink(missing_ok=True)
        manage("migrate", "--noinput", "-v0", env=env)
        seconds, rss = timed_import(source, env)
        print(f"imported {rows} plays into SQLite in {seconds:.1f} s (peak RSS {rss:.0f} MB)")
        done.write_text("ok")
    return env


def fresh_target(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def timed_move(env: dict, url: str) -> tuple[float, float, list[float], str]:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "move_database", "--to", url],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    samples = []
    while process.poll() is None:
        if (value := rss_mb(process.pid)) is not None:
            samples.append(value)
        time.sleep(1)
    output = process.stdout.read()
    seconds = time.monotonic() - started
    if process.returncode:
        raise SystemExit(f"move_database failed ({process.returncode}):\n{output}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, samples, output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--to", default="postgres://app:app@127.0.0.1:5432/app_b_move_bench")
    parser.add_argument("--fresh", action="store_true", help="rebuild the SQLite install")
    parser.add_argument(
        "--compare-api", action="store_true", help="then compare 25 /api/v2 answers of both"
    )
    args = parser.parse_args()

    env = sqlite_install(args.rows, args.fresh)
    fresh_target(args.to)
    size = os.path.getsize(Path(env["DATA_DIR"]) / "tautulli.sqlite3") / 2**20
    print(f"moving {args.rows} plays ({size:.0f} MB of SQLite) into PostgreSQL")
    seconds, peak, samples, output = timed_move(env, args.to)
    print(output.rstrip().replace(args.to, "<target>"))
    shown = " ".join(f"{s:.0f}" for s in samples[:: max(1, len(samples) // 20)])
    print(f"move_database: {seconds:.1f} s wall, peak RSS {peak:.0f} MB")
    print(f"RSS over time (MB, ~20 samples): {shown}")
    if args.compare_api:
        compare_api(env, args.to)


def compare_api(env: dict, url: str) -> None:
    """The answers of ``bench/api_answers.py`` on the SQLite install and on the moved database
    (each with an empty statistics cache), compared command by command."""
    import json

    answers = {}
    for name, extra in (("sqlite", {}), ("postgresql", {"DATABASE_URL": url})):
        shutil.rmtree(Path(env["DATA_DIR"]) / "cache" / "stats", ignore_errors=True)
        out = OUT / f"api-{name}.json"
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "api_answers.py"), str(out)],
            env={**env, **extra, "LOG_LEVEL": "ERROR"},
            cwd=ROOT,
            check=True,
        )
        answers[name] = json.loads(out.read_text())
    sqlite, postgresql = answers["sqlite"], answers["postgresql"]
    differ = [key for key in sqlite if sqlite[key] != postgresql.get(key)]
    size = sum(len(json.dumps(value)) for value in sqlite.values())
    print(f"API: {len(sqlite) - len(differ)} of {len(sqlite)} answers equal ({size} bytes)")
    for key in differ:
        print(f"  differs: {key}")


if __name__ == "__main__":
    main()
