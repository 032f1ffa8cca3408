"""Fixtures shared by every app's tests.

* ``shared_dir``: ``../shared`` beside the project (fails clearly when missing).
* ``make_tautulli_db``: builds a realistic Tautulli database with shared/tautulli-db's generator,
  cached per argument set for the whole run.
* ``api_key`` / ``call_api``: call /api/v2 through Django's test client and get the parsed JSON.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

END_EPOCH = 1795305600  # 2026-11-22T00:00:00Z: a recent end, so 30-day windows have data


def _shared_dir() -> Path:
    shared = Path(settings.SHARED_DIR)
    if not (shared / "README.md").exists():
        pytest.fail(
            f"The shared references are missing: expected them at {shared} "
            "(../shared beside the project root, or TAUTULLI_SHARED_DIR)."
        )
    return shared


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _shared_dir()


def load_fixture(relative: str):
    """A recorded response from ``shared/fixtures`` (JSON parsed)."""
    return json.loads((_shared_dir() / "fixtures" / relative).read_text())


@pytest.fixture(scope="session")
def make_tautulli_db(tmp_path_factory):
    """``make_tautulli_db(history_rows=2000, users=10, seed=1, days=365)`` → Path of a new DB.

    Built once per argument set and shared read-only; copy it before changing it.
    """
    cache: dict[tuple, Path] = {}
    root = tmp_path_factory.mktemp("tautulli_dbs")

    def build(history_rows=2000, users=10, seed=1, days=365, end_epoch=END_EPOCH) -> Path:
        key = (history_rows, users, seed, days, end_epoch)
        if key not in cache:
            name = hashlib.md5(repr(key).encode()).hexdigest()[:10]
            out = root / f"tautulli_{name}.db"
            script = _shared_dir() / "tautulli-db" / "make_tautulli_db.py"
            subprocess.run(
                [
                    sys.executable,
                    str(script),
                    str(out),
                    "--history-rows",
                    str(history_rows),
                    "--users",
                    str(users),
                    "--seed",
                    str(seed),
                    "--days",
                    str(days),
                    "--end-epoch",
                    str(end_epoch),
                ],
                check=True,
                capture_output=True,
            )
            cache[key] = out
        return cache[key]

    return build


@pytest.fixture
def api_key(db, settings):
    settings.TAUTULLI_API_KEY = "0123456789abcdef0123456789abcdef"
    return settings.TAUTULLI_API_KEY


@pytest.fixture
def call_api(client, api_key):
    """``call_api("get_history", length=10)`` → (HTTP status, parsed JSON body)."""

    def call(cmd, **params):
        response = client.get("/api/v2", {"apikey": api_key, "cmd": cmd, **params})
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        return response.status_code, response.json()

    return call


@pytest.fixture
def imported_tautulli(db, make_tautulli_db):
    """``imported_tautulli(history_rows=2000, users=10, seed=1, days=365, server_name=None)``
    → the :class:`core.tautulli_import.ImportResult` of importing a generated Tautulli database
    into the test database (``.server``, ``.counts`` rows added per source table,
    ``.source_counts``, ``.placeholder_user_ids``).
    """
    from core.tautulli_import import import_tautulli

    def run(history_rows=2000, users=10, seed=1, days=365, end_epoch=END_EPOCH, server_name=None):
        path = make_tautulli_db(
            history_rows=history_rows, users=users, seed=seed, days=days, end_epoch=end_epoch
        )
        return import_tautulli(path, server_name=server_name)

    return run
