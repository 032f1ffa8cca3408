#!/usr/bin/env python
"""Benchmark of the housekeeping rules (issue 14): rule sets evaluated over 100,000 inventory
items and 1,000,000 history rows, and the candidates admin page.

Not a test: it prints figures. Steps:

1. A fresh database (PostgreSQL ``DATABASE_URL`` with ``_housekeeping`` appended to its name, or
   a SQLite file in ``bench/out/housekeeping``), filled by the inventory benchmark's generator
   (``bench_inventory_reads.generate``: 19,000 movies, 1,000 shows × 5 seasons × 15 episodes,
   ``--rows`` plays over three years, 50 users, statistics built), plus genres and labels on the
   movies.
2. Each rule set below is evaluated ``--repeat`` times (:func:`housekeeping.engine.evaluate`):
   the first run creates its candidates, the next ones refresh them; its preview ("what would it
   free?") is timed too.
3. The candidates admin page of the largest rule set (Django's test client, a superuser; warm
   requests), p50 / p95 in ms.

Usage::

    .venv/bin/python bench/bench_housekeeping.py                       # SQLite
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_housekeeping.py
"""

import argparse
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
from bench_inventory_reads import generate  # noqa: E402

RULE_SETS = {
    "movies: added > 90 days ago AND not watched in 60 days": (
        "movie",
        [
            dict(field="added_at", operator="more_than_days_ago", value=90),
            dict(field="last_watched", operator="not_in_last_days", value=60),
        ],
    ),
    "movies: (plays < 2 AND size > 10 GB) OR genres contain horror/kids, not labelled keep": (
        "movie",
        [
            dict(section=1, field="plays", operator="lt", value=2),
            dict(section=1, field="size_gb", operator="gt", value=10),
            dict(
                section=2,
                join="or",
                field="genres",
                operator="contains_any",
                value=["Horror", "Kids"],
            ),
            dict(section=3, join="and", field="labels", operator="contains_none", value=["keep"]),
        ],
    ),
    "movies: not watched by user0/user1 in 180 days (per-user history)": (
        "movie",
        [dict(field="last_watched_by", operator="not_in_last_days", value=180, users=[1000, 1001])],
    ),
    "seasons: under 30 % watched AND added > 1 year ago": (
        "season",
        [
            dict(field="watched_share", operator="lt", value=30),
            dict(field="added_at", operator="more_than_days_ago", value=365),
        ],
    ),
    "episodes: watched by 2+ users AND last watched > 30 days ago": (
        "episode",
        [
            dict(field="users", operator="gte", value=2),
            dict(field="last_watched", operator="more_than_days_ago", value=30),
        ],
    ),
}


def decorate(seed: int) -> None:
    """Genres and labels on the movies (the generator leaves them empty)."""
    from libraries.models import LibraryMedia

    rng = random.Random(seed)
    genres = ["Action", "Comedy", "Drama", "Horror", "Kids", "Documentary", "Thriller"]
    rows = list(LibraryMedia.objects.filter(media_type="movie").only("id"))
    for row in rows:
        row.genres = "|" + "|".join(rng.sample(genres, rng.randint(1, 3))) + "|"
        row.labels = "|keep|" if rng.random() < 0.05 else ""
    LibraryMedia.objects.bulk_update(rows, ["genres", "labels"], batch_size=2000)


def make_rule_sets():
    from housekeeping.models import Rule, RuleSet
    from libraries.models import Library
    from users.models import User

    libraries = {
        "movie": Library.objects.get(section_id=1),
        "tv": Library.objects.get(section_id=2),
    }
    made = []
    for name, (scope, rules) in RULE_SETS.items():
        rs = RuleSet.objects.create(name=name, scope=scope, grace_days=30)
        rs.libraries.set([libraries["movie" if scope == "movie" else "tv"]])
        for position, rule in enumerate(rules):
            rule = dict(rule)
            users = rule.pop("users", [])
            saved = Rule.objects.create(rule_set=rs, position=position, **rule)
            saved.users.set(User.objects.filter(user_id__in=users))
        made.append(rs)
    return made


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, default=19_000)
    parser.add_argument("--shows", type=int, default=1_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the last database")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    data = ROOT / "bench" / "out" / "housekeeping"
    if args.skip_generate:
        setup_existing_django(data, database_url, "housekeeping")
    else:
        setup_fresh_django(data, database_url, "housekeeping")
        generate(args.movies, args.shows, args.rows, args.seed)
        decorate(args.seed)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    from django.contrib.auth import get_user_model

    from history.models import History
    from housekeeping.engine import evaluate, preview
    from housekeeping.models import Candidate, RuleSet
    from libraries.models import LibraryMedia

    RuleSet.objects.all().delete()  # a rerun starts without candidates
    get_user_model().objects.filter(username="bench").delete()
    items, rows = LibraryMedia.objects.count(), History.objects.count()
    print(f"\n{connection.vendor}: {items} items, {rows} history rows; seconds")
    print(f"{'rule set':84} {'first':>6} {'again':>6} {'preview':>7} {'matched':>8}")
    largest = None
    for rs in make_rule_sets():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = evaluate(rs)
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        preview(rs)
        shown = time.perf_counter() - started
        again = statistics.median(times[1:]) if len(times) > 1 else float("nan")
        print(
            f"{rs.name:84} {times[0]:6.2f} {again:6.2f} {shown:7.2f} {result.matched:8}",
            flush=True,
        )
        if largest is None or result.matched > largest[1]:
            largest = (rs, result.matched)

    admin_page(largest[0], Candidate.objects.filter(rule_set=largest[0]).count())


def admin_page(rule_set, count: int, repeat: int = 20) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("admin:housekeeping_candidate_changelist")
    except NoReverseMatch:
        print("candidates admin page: not registered")
        return
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client()
    client.force_login(user)
    times = []
    for _ in range(repeat + 2):
        started = time.perf_counter()
        response = client.get(url, {"rule_set__id__exact": rule_set.pk})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times = sorted(times[2:])
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"candidates admin page ({count} candidates, first page): "
        f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms"
    )


if __name__ == "__main__":
    main()
