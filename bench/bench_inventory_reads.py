#!/usr/bin/env python
"""Benchmark of the inventory reads (issue 13): the REST inventory page, get_library_media_info
and a show's season roll-up, over 100,000 inventory items and 1,000,000 history rows.

Not a test: it prints figures. Steps:

1. A fresh database (PostgreSQL ``DATABASE_URL`` with ``_inventory`` appended to its name, or a
   SQLite file in ``bench/out/inventory``), migrated.
2. Generated directly with bulk inserts (seeded): one server, a movie library (``--movies``,
   default 19,000) and a TV library (``--shows`` × 5 seasons × 15 episodes, default 1,000 shows:
   81,000 items), sizes rolled up; ``--rows`` history rows (default 1,000,000) over three years
   up to now, 50 users, popularity skewed (many items never watched); then the play groups and
   the per-item statistics are built (``rebuild_media_stats``) and the planner statistics
   refreshed (``ANALYZE``).
3. Warm requests through Django's test client (server time, no network), p50 / p95 in ms over
   ``--repeat`` runs: the REST page "last watched before 90 days ago, above 1 GB, biggest
   first" (and its variant that includes never-watched items), get_library_media_info's first
   page of each library, and a show's seasons with their statistics (/api/v2 and REST).

Usage::

    .venv/bin/python bench/bench_inventory_reads.py                       # SQLite
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_inventory_reads.py
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_foundation import setup_existing_django, setup_fresh_django  # noqa: E402

GB = 1024**3
SEASONS, EPISODES = 5, 15
KEY = "bench" * 6 + "ab"


def generate(movies: int, shows: int, rows: int, seed: int) -> dict:
    """Write the inventory and history; returns ids the requests use."""
    from django.db import connection, transaction

    from libraries.models import Library, LibraryMedia
    from libraries.rollups import roll_up_sizes
    from servers.models import Server
    from users.models import User

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    server = Server.objects.create(name="Bench", machine_identifier="bench", is_active=True)
    for section_id, name, kind in ((1, "Movies", "movie"), (2, "TV Shows", "show")):
        Library.objects.create(
            server=server,
            section_id=section_id,
            section_name=name,
            section_type=kind,
            inventory_refreshed_at=now,
        )
    User.objects.bulk_create(
        [User(user_id=1000 + n, username=f"user{n}", friendly_name=f"User {n}") for n in range(50)]
    )

    def added():
        return now - dt.timedelta(seconds=rng.randint(0, 5 * 365 * 86400))

    items, movie_keys, episodes = [], [], []
    key = 1
    for n in range(movies):
        items.append(
            LibraryMedia(
                server=server,
                section_id=1,
                rating_key=key,
                media_type="movie",
                title=f"Movie {n:05d} {rng.choice(['Alpha', 'Beta', 'Gamma', 'Delta'])}",
                sort_title=f"Movie {n:05d}",
                year=rng.randint(1950, 2026),
                added_at=added(),
                file_size=rng.randint(GB // 2, 30 * GB),
                thumb=f"/library/metadata/{key}/thumb/1",
                video_resolution=rng.choice(["sd", "720", "1080", "4k"]),
                container="mkv",
                video_codec="hevc",
                audio_codec="eac3",
                audio_channels=6,
                bitrate=rng.randint(2000, 40000),
            )
        )
        movie_keys.append(key)
        key += 1
    show_keys = []
    for n in range(shows):
        show = key
        show_keys.append(show)
        show_added = added()
        items.append(
            LibraryMedia(
                server=server,
                section_id=2,
                rating_key=show,
                media_type="show",
                title=f"Show {n:04d}",
                added_at=show_added,
                thumb=f"/library/metadata/{show}/thumb/1",
            )
        )
        key += 1
        for season_index in range(1, SEASONS + 1):
            season = key
            items.append(
                LibraryMedia(
                    server=server,
                    section_id=2,
                    rating_key=season,
                    media_type="season",
                    title=f"Season {season_index}",
                    parent_rating_key=show,
                    parent_title=f"Show {n:04d}",
                    media_index=season_index,
                    added_at=show_added,
                )
            )
            key += 1
            for episode_index in range(1, EPISODES + 1):
                items.append(
                    LibraryMedia(
                        server=server,
                        section_id=2,
                        rating_key=key,
                        media_type="episode",
                        title=f"Episode {episode_index}",
                        parent_rating_key=season,
                        grandparent_rating_key=show,
                        parent_title=f"Season {season_index}",
                        grandparent_title=f"Show {n:04d}",
                        media_index=episode_index,
                        parent_media_index=season_index,
                        added_at=show_added,
                        file_size=rng.randint(GB // 4, 3 * GB),
                    )
                )
                episodes.append((key, season, show))
                key += 1
    started = time.monotonic()
    LibraryMedia.objects.bulk_create(items, batch_size=2000)
    roll_up_sizes(server.pk)
    print(f"inventory: {len(items)} items in {time.monotonic() - started:.1f} s", flush=True)

    # Popularity: a minority of titles gets most plays; most stay unwatched.
    hot_movies = rng.sample(movie_keys, len(movie_keys) // 3)
    hot_shows = set(rng.sample(show_keys, len(show_keys) // 2))
    hot_episodes = [e for e in episodes if e[2] in hot_shows]
    history = connection.ops.quote_name("history_history")
    columns = (
        "id, server_id, reference_id, started, stopped, play_duration, paused_counter, "
        "rating_key, parent_rating_key, grandparent_rating_key, user_id, media_type, section_id"
    )
    marks = ", ".join(["%s"] * 13)
    span = 3 * 365 * 86400
    started = time.monotonic()
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for row_id in range(1, rows + 1):
            stop = now - dt.timedelta(seconds=int(span * rng.random() ** 1.5))
            seconds = rng.randint(300, 7200)
            start = stop - dt.timedelta(seconds=seconds)
            if rng.random() < 0.3:
                rating_key = rng.choice(hot_movies)
                keys = (rating_key, None, None, "movie", 1)
            else:
                rating_key, season, show = rng.choice(hot_episodes)
                keys = (rating_key, season, show, "episode", 2)
            batch.append(
                (
                    row_id,
                    server.pk,
                    row_id,
                    start,
                    stop,
                    seconds,
                    0,
                    keys[0],
                    keys[1],
                    keys[2],
                    1000 + int(50 * rng.random() ** 2),
                    keys[3],
                    keys[4],
                )
            )
            if len(batch) == 10_000:
                cursor.executemany(f"INSERT INTO {history} ({columns}) VALUES ({marks})", batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {history} ({columns}) VALUES ({marks})", batch)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('history_history', 'id'), %s)", [rows]
            )
    print(f"history: {rows} rows in {time.monotonic() - started:.1f} s", flush=True)

    from stats.media_stats import rebuild_media_stats
    from stats.rollup import rebuild_rollup

    started = time.monotonic()
    rebuild_media_stats()
    print(f"groups + item statistics: {time.monotonic() - started:.1f} s", flush=True)
    started = time.monotonic()
    rebuild_rollup()  # MonthlyItemTime: a show's and season's users
    print(f"statistics rollups: {time.monotonic() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"hot_show": sorted(hot_shows)[0], "now": now}


def reuse(data: Path, database_url: str | None) -> dict:
    """This process on the database the last run generated; the ids its requests use."""
    setup_existing_django(data, database_url, "inventory")
    from libraries.models import Library, LibraryMedia
    from stats.models import MediaWatchStats

    now = Library.objects.get(section_id=1).inventory_refreshed_at
    shows = LibraryMedia.objects.filter(media_type="show").values_list("rating_key", flat=True)
    hot = MediaWatchStats.objects.filter(rating_key__in=shows).order_by("rating_key").first()
    return {"hot_show": hot.rating_key, "now": now}


def timed(client, path: str, params: dict, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat + 2):
        started = time.perf_counter()
        response = client.get(path, params, HTTP_X_API_KEY=KEY)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        if path == "/api/v2":
            assert body["response"]["result"] == "success", body
        times.append(elapsed)
    return times[2:]  # the first two warm the caches


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, default=19_000)
    parser.add_argument("--shows", type=int, default=1_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the last database")
    args = parser.parse_args()
    os.environ["TAUTULLI_API_KEY"] = KEY
    database_url = os.environ.get("DATABASE_URL")
    data = ROOT / "bench" / "out" / "inventory"
    if args.skip_generate:
        ids = reuse(data, database_url)
    else:
        setup_fresh_django(data, database_url, "inventory")
        ids = generate(args.movies, args.shows, args.rows, args.seed)
    from django.db import connection
    from django.test import Client

    now = ids["now"]
    ninety = (now - dt.timedelta(days=90)).isoformat()
    client = Client()
    requests = [
        (
            "REST: last watched before 90 days, > 1 GB, by size",
            "/api/libraries/items",
            {"last_watched_before": ninety, "size_above": GB, "sort": "size", "limit": 50},
        ),
        (
            "REST: not watched since 90 days (or never), > 1 GB, by size",
            "/api/libraries/items",
            {"not_watched_since": ninety, "size_above": GB, "sort": "size", "limit": 50},
        ),
        (
            "REST: movies never watched, by added_at",
            "/api/libraries/items",
            {"media_type": "movie", "never_watched": "true", "sort": "added_at", "limit": 50},
        ),
        (
            "REST: most played, all types",
            "/api/libraries/items",
            {"sort": "plays", "limit": 50},
        ),
        (
            "get_library_media_info movies first page",
            "/api/v2",
            {"cmd": "get_library_media_info", "section_id": 1},
        ),
        (
            "get_library_media_info shows first page",
            "/api/v2",
            {"cmd": "get_library_media_info", "section_id": 2},
        ),
        (
            "get_library_media_info movies by play_count",
            "/api/v2",
            {"cmd": "get_library_media_info", "section_id": 1, "order_column": "play_count"},
        ),
        (
            "get_library_media_info movies search",
            "/api/v2",
            {"cmd": "get_library_media_info", "section_id": 1, "search": "gamma"},
        ),
        (
            "season roll-up (get_library_media_info rating_key)",
            "/api/v2",
            {"cmd": "get_library_media_info", "section_id": 2, "rating_key": ids["hot_show"]},
        ),
        (
            "season roll-up (REST parent_rating_key)",
            "/api/libraries/items",
            {"parent_rating_key": ids["hot_show"], "media_type": "season", "sort": "title"},
        ),
    ]
    print(f"\n{connection.vendor}, {args.repeat} timed requests each (ms)")
    print(f"{'request':64} {'p50':>8} {'p95':>8}")
    for label, path, params in requests:
        times = sorted(timed(client, path, params, args.repeat))
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{label:64} {statistics.median(times):8.1f} {p95:8.1f}", flush=True)


if __name__ == "__main__":
    main()
