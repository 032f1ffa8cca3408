#!/usr/bin/env python
"""Benchmark of the foundation (issue 2): import speed and /api/v2 get_history latency.

Not a test: it prints figures. Steps:

1. Generate a Tautulli database with ``shared/tautulli-db/make_tautulli_db.py`` (cached in
   ``bench/out/``).
2. Create a fresh database (PostgreSQL ``DATABASE_URL`` with ``_bench`` appended to its name, or a
   SQLite file in ``bench/out``), migrate it, and time ``manage.py import_tautulli`` in a
   subprocess (wall time and peak RSS of that process).
3. Time warm requests through Django's test client (server time, no network): ``get_history``
   first page grouped, a deep page, a title-word search, a one-user filter, and the admin history
   list page. Reports p50 / p95 in ms over ``--repeat`` runs.

Usage::

    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_foundation.py --rows 1000000
    .venv/bin/python bench/bench_foundation.py --rows 100000          # SQLite
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
END_EPOCH = 1795305600


def generate(rows: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"tautulli_{rows}.db"
    if not path.exists():
        script = ROOT.parent / "shared" / "tautulli-db" / "make_tautulli_db.py"
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                str(script),
                str(path),
                "--history-rows",
                str(rows),
                "--end-epoch",
                str(END_EPOCH),
            ],
            check=True,
        )
        print(f"generated {rows} rows in {time.monotonic() - started:.1f} s")
    return path


def bench_env(database_url: str | None) -> dict:
    env = dict(os.environ)
    env["DATA_DIR"] = str(OUT / "data")
    env["TAUTULLI_API_KEY"] = "bench" * 6 + "ab"
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def fresh_database(env: dict) -> None:
    if env.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        url = env["DATABASE_URL"]
        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        for suffix in ("", "-wal", "-shm"):
            p = OUT / "data" / f"tautulli.sqlite3{suffix}"
            if p.exists():
                p.unlink()
    manage("migrate", "--noinput", "-v0", env=env)


def setup_fresh_django(data: Path, database_url: str | None, suffix: str) -> dict:
    """This process on a fresh, migrated database: SQLite in ``data`` or, with
    ``database_url``, the PostgreSQL database of that name plus ``_<suffix>`` (dropped and
    created again). Returns the environment a ``manage.py`` subprocess needs to use the same
    database (and the same generated secret key, in ``data``)."""
    data.mkdir(parents=True, exist_ok=True)
    os.environ["DATA_DIR"] = str(data)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database_url:
        import psycopg

        base, name = database_url.rsplit("/", 1)
        name = f"{name}_{suffix}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        os.environ.pop("DATABASE_URL", None)
        for ending in ("", "-wal", "-shm"):
            path = data / f"tautulli.sqlite3{ending}"
            if path.exists():
                path.unlink()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dict(os.environ)


def setup_existing_django(data: Path, database_url: str | None, suffix: str) -> None:
    """This process on the database a previous :func:`setup_fresh_django` run (with the same
    ``data``, ``database_url`` and ``suffix``) generated, as it is: nothing dropped or
    migrated."""
    os.environ["DATA_DIR"] = str(data)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if database_url:
        base, name = database_url.rsplit("/", 1)
        os.environ["DATABASE_URL"] = f"{base}/{name}_{suffix}"
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
    import django

    django.setup()


def manage(*args, env: dict) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)
    return time.monotonic() - started


def timed_import(source: Path, env: dict) -> tuple[float, float]:
    """Run the import in its own process; wall seconds and that process's peak RSS in MB."""
    rss_file = OUT / "import_rss.txt"
    started = time.monotonic()
    subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            "-o",
            str(rss_file),
            sys.executable,
            str(ROOT / "manage.py"),
            "import_tautulli",
            str(source),
        ],
        check=True,
        env=env,
        cwd=ROOT,
    )
    seconds = time.monotonic() - started
    return seconds, int(rss_file.read_text().split()[-1]) / 1024


def time_requests(env: dict, repeat: int) -> list[tuple[str, list[float]]]:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from history.models import History, HistoryMetadata

    client = Client()
    key = env["TAUTULLI_API_KEY"]
    from django.db.models import Count

    busiest_user = (
        History.objects.values("user_id").annotate(n=Count("id")).order_by("-n").first()
        or {"user_id": 0}
    )["user_id"]
    word = HistoryMetadata.objects.exclude(title="").values_list("title", flat=True).first() or "a"
    word = word.split()[0]
    cases = {
        "get_history first page (grouped)": {"cmd": "get_history"},
        "get_history start=500000": {"cmd": "get_history", "start": "500000"},
        f"get_history search={word!r}": {"cmd": "get_history", "search": word},
        f"get_history user_id={busiest_user}": {"cmd": "get_history", "user_id": str(busiest_user)},
    }
    results = []
    for label, params in cases.items():
        timings = []
        for i in range(repeat + 1):
            started = time.perf_counter()
            response = client.get("/api/v2", {"apikey": key, **params})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:300]
            if i:  # the first run warms caches
                timings.append(elapsed)
        results.append((label, timings))

    User = get_user_model()
    admin = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "", "bench-password"
    )
    client.force_login(admin)
    timings = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = client.get("/admin/history/history/")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200
        if i:
            timings.append(elapsed)
    results.append(("admin history list page", timings))
    return results


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-import", action="store_true", help="reuse the imported database")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL")
    if url:
        url = f"{url}_bench"
    env = bench_env(url)
    print(f"database: {'PostgreSQL' if url else 'SQLite'}; rows: {args.rows}")
    if not args.skip_import:
        source = generate(args.rows)
        fresh_database(env)
        seconds, peak_mb = timed_import(source, env)
        print(
            f"import: {seconds:.1f} s, {args.rows / seconds:,.0f} history rows/s, "
            f"peak RSS {peak_mb:,.0f} MB"
        )
    for label, timings in time_requests(env, args.repeat):
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{label:45s} p50 {statistics.median(timings):8.1f} ms   p95 {p95:8.1f} ms")


if __name__ == "__main__":
    main()
