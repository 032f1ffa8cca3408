#!/usr/bin/env python
"""Side-by-side benchmark (issue 11): the same /api/v2 requests against this project and, when
given a checkout of Tautulli v2.17.2, against Tautulli on a copy of the same generated database.

Not a test: it prints figures. Steps:

1. Generate a Tautulli database with ``shared/tautulli-db/make_tautulli_db.py`` (cached in
   ``bench/out/``, as the other benchmarks).
2. Ours: import it into a fresh database (PostgreSQL ``DATABASE_URL`` with ``_vs_<rows>`` appended
   to its name, or SQLite in ``bench/out/vs_<rows>/``; ``--skip-import`` reuses it) and start
   gunicorn as ``scripts/run`` does (``gunicorn.conf.py``, 2 workers × 4 threads).
3. Tautulli (``--tautulli DIR``): a copy of the generated file in its own data folder, a
   ``config.ini`` that enables the API with a known key and turns off the browser and GitHub
   checks, then ``python3 DIR/Tautulli.py --datadir … --port …``. Nothing of Tautulli is in this
   repository: fetch v2.17.2 yourself (``git clone --branch v2.17.2
   https://github.com/Tautulli/Tautulli``).
4. For each request: one warm-up call on each side, then ``--repeat`` calls, ours and Tautulli's
   interleaved so both see the same machine load. Reports medians in ms over HTTP on loopback
   (client time, as a user's script sees it) and the ratio Tautulli / ours, then each server's
   resident memory (the process and its children).

Usage::

    .venv/bin/python bench/bench_vs_tautulli.py --rows 1000000                      # ours alone, SQLite
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app \\
        .venv/bin/python bench/bench_vs_tautulli.py --rows 1000000 --tautulli /path/to/Tautulli
"""

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import OUT, ROOT, fresh_database, generate, timed_import  # noqa: E402

API_KEY = "bench" * 6 + "ab"
OUR_PORT, TAUTULLI_PORT = 8391, 8392


def requests_for(source: Path) -> list[tuple[str, dict]]:
    """The issue's request list, with the heaviest user, show and library of ``source``."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
        (user_id,) = db.execute(
            "SELECT user_id FROM session_history GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
        (show_key,) = db.execute(
            "SELECT grandparent_rating_key FROM session_history WHERE media_type = 'episode' "
            "GROUP BY grandparent_rating_key ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
        (section_id,) = db.execute(
            "SELECT section_id FROM session_history GROUP BY section_id "
            "ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
    user, show, section = (
        {"user_id": str(user_id)},
        {"rating_key": str(show_key)},
        {"section_id": str(section_id)},
    )
    return [
        ("get_history (first page, grouped)", {"cmd": "get_history", "grouping": "1"}),
        ("get_history search=Star", {"cmd": "get_history", "search": "Star"}),
        ("get_history user_id=heaviest", {"cmd": "get_history", **user}),
        ("get_home_stats time_range=30", {"cmd": "get_home_stats", "time_range": "30"}),
        ("get_home_stats time_range=365", {"cmd": "get_home_stats", "time_range": "365"}),
        ("get_plays_by_date 30 days", {"cmd": "get_plays_by_date", "time_range": "30"}),
        ("get_user_watch_time_stats heaviest", {"cmd": "get_user_watch_time_stats", **user}),
        (
            "get_user_watch_time_stats heaviest 365 days",
            {"cmd": "get_user_watch_time_stats", "query_days": "365", **user},
        ),
        ("get_user_player_stats heaviest", {"cmd": "get_user_player_stats", **user}),
        ("get_item_watch_time_stats top show", {"cmd": "get_item_watch_time_stats", **show}),
        ("get_item_user_stats top show", {"cmd": "get_item_user_stats", **show}),
        (
            "get_library_watch_time_stats top library",
            {"cmd": "get_library_watch_time_stats", **section},
        ),
        (
            "get_library_watch_time_stats top library 365 days",
            {"cmd": "get_library_watch_time_stats", "query_days": "365", **section},
        ),
        ("get_library_user_stats top library", {"cmd": "get_library_user_stats", **section}),
        ("get_users_table", {"cmd": "get_users_table"}),
    ]


def our_env(rows: int) -> dict:
    env = dict(os.environ)
    env["DATA_DIR"] = str(OUT / f"vs_{rows}")
    env["TAUTULLI_API_KEY"] = API_KEY
    if env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"{env['DATABASE_URL']}_vs_{rows}"
    else:
        env.pop("DATABASE_URL", None)
    Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def prepare_ours(source: Path, rows: int, skip_import: bool) -> dict:
    env = our_env(rows)
    if not skip_import:
        # fresh_database() works on bench/out/data for SQLite: point it at this run's folder.
        # A PostgreSQL run shares that folder and leaves the SQLite run's database alone.
        if not env.get("DATABASE_URL"):
            for suffix in ("", "-wal", "-shm"):
                (Path(env["DATA_DIR"]) / f"tautulli.sqlite3{suffix}").unlink(missing_ok=True)
        fresh_database(env)
        seconds, rss = timed_import(source, env)
        print(f"ours: imported in {seconds:.0f} s (peak RSS {rss:.0f} MB)")
    return env


def start_ours(env: dict) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    return subprocess.Popen(
        [
            str(gunicorn),
            "tautulli_project.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{OUR_PORT}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_tautulli(checkout: Path, source: Path, rows: int) -> subprocess.Popen:
    data = OUT / f"tautulli_data_{rows}"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    shutil.copy(source, data / "tautulli.db")
    (data / "config.ini").write_text(
        "[General]\n"
        f"api_enabled = 1\napi_key = {API_KEY}\nhttp_host = 127.0.0.1\n"
        f"http_port = {TAUTULLI_PORT}\nlaunch_browser = 0\nfirst_run_complete = 1\n"
        "check_github = 0\ncheck_github_on_startup = 0\n"
    )
    return subprocess.Popen(
        [
            "python3",
            str(checkout / "Tautulli.py"),
            "--datadir",
            str(data),
            "--port",
            str(TAUTULLI_PORT),
            "--nolaunch",
            "--quiet",
        ],
        cwd=checkout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def call(port: int, params: dict, timeout: float = 600) -> float:
    """One request; its wall time in ms. Raises RuntimeError on an error envelope."""
    query = urllib.parse.urlencode({"apikey": API_KEY, **params})
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2?{query}", timeout=timeout) as r:
        body = r.read()
    elapsed = (time.perf_counter() - started) * 1000
    result = json.loads(body)["response"]["result"]
    if result != "success":
        raise RuntimeError(f"{params['cmd']} on port {port}: {body[:200]!r}")
    return elapsed


def wait_until_up(port: int, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited ({process.returncode})")
        try:
            call(port, {"cmd": "arnold"}, timeout=5)
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise SystemExit(f"the server on port {port} did not answer within {seconds:.0f} s")


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, MB."""
    out = subprocess.run(
        ["ps", "-o", "rss=", "--pid", str(pid), "--ppid", str(pid)], text=True, capture_output=True
    ).stdout
    return sum(int(v) for v in out.split()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tautulli", type=Path, help="a checkout of Tautulli v2.17.2")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--only", help="run only the requests whose label contains this text")
    args = parser.parse_args()

    source = generate(args.rows)
    env = prepare_ours(source, args.rows, args.skip_import)
    database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
    servers = {"ours": (OUR_PORT, start_ours(env))}
    if args.tautulli:
        servers["Tautulli"] = (TAUTULLI_PORT, start_tautulli(args.tautulli, source, args.rows))
    try:
        for port, process in servers.values():
            wait_until_up(port, process)
        rows = []
        for label, params in requests_for(source):
            if args.only and args.only not in label:
                continue
            times = {name: [] for name in servers}
            for port, _ in servers.values():
                call(port, params)  # warm-up
            for _ in range(args.repeat):
                for name, (port, _) in servers.items():
                    times[name].append(call(port, params))
            rows.append((label, {name: statistics.median(t) for name, t in times.items()}))
            print(f"  {label}: " + ", ".join(f"{n} {m:.0f} ms" for n, m in rows[-1][1].items()))
        print(f"\n{args.rows:,} plays, ours on {database}, medians of {args.repeat} warm calls\n")
        if args.tautulli:
            print("| request | Tautulli | ours | ratio |\n|---|---|---|---|")
            for label, medians in rows:
                ratio = medians["Tautulli"] / medians["ours"]
                print(
                    f"| {label} | {medians['Tautulli']:.0f} ms | {medians['ours']:.1f} ms | "
                    f"×{ratio:.1f} |"
                )
        else:
            print("| request | ours |\n|---|---|")
            for label, medians in rows:
                print(f"| {label} | {medians['ours']:.1f} ms |")
        for name, (_, process) in servers.items():
            print(f"memory, {name}: {rss_mb(process.pid):.0f} MB")
    finally:
        for _, process in servers.values():
            process.terminate()
        for _, process in servers.values():
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
