"""The /api/v2 answers of the database in the environment (DATA_DIR, DATABASE_URL) to 25
read commands, at one frozen instant, written to a JSON file: ``bench_move_database.py
--compare-api`` runs it on the SQLite install and on its move to PostgreSQL and compares.

Usage: ``DATA_DIR=... [DATABASE_URL=...] .venv/bin/python bench/api_answers.py OUT.json``
"""

import json
import os
import sys
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")
import django  # noqa: E402

django.setup()
import time_machine  # noqa: E402
from django.test import Client  # noqa: E402

from core.models import ApiKey  # noqa: E402

COMMANDS = [
    ("get_history", {"length": "100", "order_column": "date", "order_dir": "desc"}),
    ("get_history", {"length": "50", "start": "5000", "order_column": "duration"}),
    ("get_history", {"length": "50", "search": "the", "user_id": "2"}),
    ("get_history", {"length": "50", "media_type": "episode", "grouping": "0"}),
    ("get_home_stats", {"time_range": "3650", "stats_count": "10"}),
    ("get_home_stats", {"time_range": "30", "stats_count": "5", "stats_type": "duration"}),
    ("get_users_table", {"length": "100"}),
    ("get_libraries_table", {"length": "50"}),
    ("get_plays_by_date", {"time_range": "3650"}),
    ("get_plays_by_dayofweek", {"time_range": "3650"}),
    ("get_plays_by_hourofday", {"time_range": "3650"}),
    ("get_plays_by_top_10_platforms", {"time_range": "3650"}),
    ("get_plays_by_stream_type", {"time_range": "3650"}),
    ("get_plays_per_month", {"time_range": "24"}),
    ("get_stream_type_by_top_10_users", {"time_range": "3650"}),
    ("get_user_watch_time_stats", {"user_id": "2"}),
    ("get_user_player_stats", {"user_id": "2"}),
    ("get_library_watch_time_stats", {"section_id": "1"}),
    ("get_library_user_stats", {"section_id": "1"}),
    ("get_item_watch_time_stats", {"rating_key": "1000"}),
    ("get_users", {}),
    ("get_libraries", {}),
    ("get_user_logins", {"user_id": "2"}),
    ("get_notification_log", {"length": "50"}),
    ("get_recently_added", {"count": "10"}),
]

key = ApiKey.current()
client = Client()
answers = {}
started = time.monotonic()
with time_machine.travel(float(os.environ.get("AT", "1796000000")), tick=False):
    for number, (cmd, params) in enumerate(COMMANDS):
        response = client.get("/api/v2", {"apikey": key, "cmd": cmd, **params})
        answers[f"{number:02d} {cmd} {json.dumps(params, sort_keys=True)}"] = {
            "status": response.status_code,
            "body": response.json()
            if response["Content-Type"].startswith("application/json")
            else None,
        }
json.dump(answers, open(sys.argv[1], "w"), indent=1, sort_keys=True)
print(f"{len(answers)} answers in {time.monotonic() - started:.1f} s -> {sys.argv[1]}")
