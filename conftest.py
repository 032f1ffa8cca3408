"""Fixtures shared by every app's tests.

* ``shared_dir``: ``../shared`` beside the project (fails clearly when missing).
* ``make_tautulli_db``: builds a realistic Tautulli database with shared/tautulli-db's generator,
  cached per argument set for the whole run.
* ``api_key`` / ``call_api``: call /api/v2 through Django's test client and get the parsed JSON.
* ``clock`` (autouse): every test runs at :data:`FROZEN_NOW`, whatever the machine's date, and
  ``server_time_zone`` (autouse) in UTC unless it sets another zone.
"""

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from core import log_once
from core.testing import browser

END_EPOCH = 1795305600  # 2026-11-22T00:00:00Z: a recent end, so 30-day windows have data
# "Now" in every test: the morning after the generated databases end (END_EPOCH), a Sunday.
FROZEN_NOW = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    """The wall clock of every test starts at :data:`FROZEN_NOW` and ticks from there
    (time-machine: ``time.time``, ``datetime.now``, ``timezone.now`` and ``localdate`` see it;
    ``time.monotonic`` keeps real time, so timeouts and sleeps still work). Yields the
    ``time_machine`` traveller: ``clock.move_to(when)`` or ``clock.shift(seconds)``."""
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


def pytest_configure(config):
    """Each test process keeps its cached home statistics and its heartbeats in folders of its
    own (the caches' files would otherwise be shared, and cleared, by the parallel test
    processes), and writes its exports and backups into folders of its own, never the data
    folder."""
    import tempfile

    settings.CACHES["stats"]["LOCATION"] = tempfile.mkdtemp(prefix="tautulli-stats-cache-")
    # The monitor's and the task cluster's heartbeats (operations' health report).
    settings.CACHES["status"]["LOCATION"] = tempfile.mkdtemp(prefix="tautulli-status-cache-")
    settings.EXPORT_DIR = Path(tempfile.mkdtemp(prefix="tautulli-exports-"))
    settings.BACKUP_DIR = Path(tempfile.mkdtemp(prefix="tautulli-backups-"))


@pytest.fixture(autouse=True)
def fresh_stats_cache():
    """Cached home statistics (stats.home_cache) are forgotten between tests: their keys hold
    the rollup generation, which starts again in every test's rolled-back database."""
    from django.core.cache import caches

    caches["stats"].clear()


@pytest.fixture(autouse=True)
def fresh_log_once():
    """Conditions logged once (core.log_once) are forgotten between tests."""
    log_once.reset()


@pytest.fixture(autouse=True)
def server_time_zone(settings):
    """The server's local zone is UTC in every test unless the test sets another
    (``settings.TIME_ZONE = ...``), whatever ``TIME_ZONE``/``TZ`` the shell running the tests
    has."""
    settings.TIME_ZONE = "UTC"


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
    → the :class:`tautulli_import.importer.ImportResult` of importing a generated Tautulli database
    into the test database (``.server``, ``.counts`` rows added per source table,
    ``.source_counts``, ``.placeholder_user_ids``).
    """
    from tautulli_import.importer import import_tautulli

    def run(history_rows=2000, users=10, seed=1, days=365, end_epoch=END_EPOCH, server_name=None):
        path = make_tautulli_db(
            history_rows=history_rows, users=users, seed=seed, days=days, end_epoch=end_epoch
        )
        return import_tautulli(path, server_name=server_name)

    return run


def shared_import(name: str, *, time_zone: str = "UTC", **generator_args):
    """A module-scoped fixture called ``name``: one generated Tautulli database
    (``make_tautulli_db(**generator_args)``) imported once for the tests of a module, under
    ``time_zone`` and at :data:`FROZEN_NOW`; yields the import's result.

    Django's ``setUpTestData`` pattern: the import runs in a transaction opened for the module
    and rolled back after its last test; each test still runs in its own savepoint, so what a
    test writes is gone for the next one. Every test of the module that runs after the first
    one using it sees the data: use it in modules whose tests all want it, none of them
    transactional (``transaction=True`` tests cannot run inside the module's transaction).
    """

    @pytest.fixture(scope="module", name=name)
    def imported(django_db_setup, django_db_blocker, make_tautulli_db):
        from django.db import connection, transaction
        from django.test import override_settings

        from tautulli_import.importer import import_tautulli

        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
        try:
            with (
                django_db_blocker.unblock(),
                override_settings(TIME_ZONE=time_zone),
                time_machine.travel(FROZEN_NOW, tick=False),
            ):
                result = import_tautulli(make_tautulli_db(**generator_args))
                if connection.vendor == "postgresql":  # planner statistics, as autovacuum keeps
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
            yield result
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return imported


# --- helpers shared by several apps' tests (import them: ``from conftest import bake_play``) ---


def bake_play(server, user, *, stopped, seconds, paused=0, continues=None, **fields):
    """A History row that played ``seconds`` (``play_duration``) with ``paused`` seconds paused
    and ended at ``stopped`` (aware datetime); ``started`` is ``stopped − seconds − paused``.

    Its own play (``reference_id`` = its id) unless it ``continues`` another row's play.
    ``fields`` are further History values (``media_type``, ``rating_key``, ``section_id``…).
    """
    import datetime as dt

    from model_bakery import baker

    from history.models import History

    started = stopped - dt.timedelta(seconds=seconds + paused)
    row = baker.make(
        History,
        server=server,
        user=user,
        started=started,
        stopped=stopped,
        paused_counter=paused,
        play_duration=seconds,
        **fields,
    )
    row.reference_id = continues.reference_id if continues else row.pk
    row.save(update_fields=["reference_id"])
    return row


def expected_watch_windows(rows, days_list, *, grouping, now):
    """Watch-time stats of History ``rows`` computed in Python (the reference 1.3 rule): per
    window of ``days`` before ``now`` (0 = all time), Σ ``play_duration`` in seconds and the
    number of plays (distinct ``reference_id`` when ``grouping``, else rows)."""
    import datetime as dt

    result = []
    for days in days_list:
        inside = [r for r in rows if days == 0 or r.stopped >= now - dt.timedelta(days=days)]
        result.append(
            {
                "query_days": days,
                "total_time": sum(r.play_duration for r in inside),
                "total_plays": len({r.reference_id for r in inside}) if grouping else len(inside),
            }
        )
    return result


def source_watch_windows(db, where, args, days_list, now):
    """Tautulli's own watch-time SQL (``get_watch_time_stats``) run on a source Tautulli database
    (an sqlite3 connection): the rows matching ``where`` (with ``args``) per window of ``days``
    before ``now`` (epoch seconds; 0 days = all time)."""
    result = []
    for days in days_list:
        window = " AND stopped >= ?" if days else ""
        extra = [now - days * 86400] if days else []
        total_time, plays = db.execute(
            "SELECT SUM(stopped - started) - SUM(COALESCE(paused_counter, 0)), "
            f"COUNT(DISTINCT reference_id) FROM session_history WHERE {where}{window}",
            [*args, *extra],
        ).fetchone()
        result.append({"query_days": days, "total_time": total_time or 0, "total_plays": plays})
    return result


def source_user_stats(db, where, args):
    """Tautulli's per-user plays and seconds over the source rows matching ``where``:
    ``[(user_id, plays, total_time), ...]``, most plays first, then most time."""
    return db.execute(
        "SELECT user_id, COUNT(DISTINCT reference_id) AS plays, "
        "SUM(stopped - started) - SUM(COALESCE(paused_counter, 0)) AS total "
        f"FROM session_history WHERE {where} GROUP BY user_id ORDER BY plays DESC, total DESC",
        args,
    ).fetchall()


def bake_log_from_api_row(model, row: dict, **extra):
    """A ``model`` log entry (NotifyLog, NewsletterLog) holding one captured API row's values
    (plus ``extra`` columns): the epoch ``timestamp`` as a datetime, ``success`` 0/1 as a bool."""
    import datetime as dt

    from model_bakery import baker

    values = dict(row, **extra)
    values["timestamp"] = dt.datetime.fromtimestamp(values["timestamp"], tz=dt.UTC)
    values["success"] = bool(values["success"])
    return baker.make(model, **values)


@pytest.fixture
def rest_get(client, api_key):
    """``rest_get(path, **params)`` → (HTTP status, parsed JSON) of a REST API GET (/api/...),
    with the API key in the ``X-API-Key`` header."""

    def call(path, **params):
        response = client.get(path, params, HTTP_X_API_KEY=api_key)
        return response.status_code, response.json()

    return call


@pytest.fixture(autouse=True)
def _fresh_plex_connections():
    """Each test talks to its own fake PMS: no PlexServer object is reused across tests."""
    from core.config import clear_cache as clear_settings
    from plex.client import clear_cache

    clear_cache()
    clear_settings()
    yield
    clear_cache()
    clear_settings()


browser_page = pytest.fixture(browser.browser_page)
