"""Settings read from the environment (core.environment): defaults, typed values, and bad values
reported by the system check core.E001 naming the variable, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core import checks

from core.environment import Environment

BASE_DIR = Path(settings.BASE_DIR)


def _run(code_or_args: list[str], tmp_path, **variables) -> subprocess.CompletedProcess:
    """Python in a clean environment: only PATH, a fresh DATA_DIR and ``variables``."""
    environ = {"PATH": os.environ.get("PATH", ""), "DATA_DIR": str(tmp_path), **variables}
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the readers --------------------------------------------------------------------------------


def test_whole_numbers_within_bounds():
    env = Environment(
        {"GOOD": " 42 ", "WORD": "abc", "HIGH": "150", "LOW": "-5", "ZERO": "0", "FLOAT": "8.5"}
    )
    assert env.int("GOOD", 1) == 42
    assert env.int("UNSET", 7) == 7
    assert env.int("ZERO", 9, minimum=0) == 0
    assert env.int("WORD", 85) == 85
    assert env.int("HIGH", 85, minimum=0, maximum=100) == 85
    assert env.int("LOW", 120, minimum=0) == 120
    assert env.int("FLOAT", 2) == 2
    assert [str(p) for p in env.problems] == [
        "WORD='abc' is not a whole number; 85 is used instead.",
        "HIGH='150' is not between 0 and 100; 85 is used instead.",
        "LOW='-5' is less than 0; 120 is used instead.",
        "FLOAT='8.5' is not a whole number; 2 is used instead.",
    ]


def test_booleans_lists_and_strings():
    env = Environment({"ON": "Yes", "OFF": "0", "EMPTY": "", "ODD": "maybe", "HOSTS": " a, ,b "})
    assert (env.bool("ON", False), env.bool("OFF", True), env.bool("EMPTY", True)) == (
        True,
        False,
        False,
    )
    assert env.bool("UNSET", True) is True
    assert env.bool("ODD", True) is True
    assert env.list("HOSTS") == ["a", "b"] and env.list("UNSET", "*") == ["*"]
    assert env.str("EMPTY", "default") == "" and env.str("UNSET", "default") == "default"
    assert [p.variable for p in env.problems] == ["ODD"]


def test_log_level_and_time_zone():
    env = Environment({"LOG_LEVEL": "debug", "TZ": "Europe/Paris"})
    assert env.log_level("LOG_LEVEL", "INFO") == "DEBUG"
    assert env.time_zone("TIME_ZONE", fallback="TZ") == "Europe/Paris"  # TZ when TIME_ZONE unset
    assert (
        Environment({"TIME_ZONE": "", "TZ": "Europe/Paris"}).time_zone("TIME_ZONE", "TZ") == "UTC"
    )
    bad = Environment({"TIME_ZONE": "Mars/Olympus", "LOG_LEVEL": "chatty"})
    assert bad.time_zone("TIME_ZONE", fallback="TZ") == "UTC"
    assert bad.log_level("LOG_LEVEL", "INFO") == "INFO"
    assert [(p.variable, p.default) for p in bad.problems] == [
        ("TIME_ZONE", "UTC"),
        ("LOG_LEVEL", "INFO"),
    ]
    assert env.problems == []


# --- the check ----------------------------------------------------------------------------------


def test_the_check_reports_each_problem_naming_the_variable(settings):
    settings.ENVIRONMENT_PROBLEMS = [
        "WATCHED_MARKER='7' is not between 0 and 3; 3 is used instead."
    ]
    errors = [m for m in checks.run_checks() if m.id == "core.E001"]
    assert [(e.level, e.msg) for e in errors] == [(checks.ERROR, settings.ENVIRONMENT_PROBLEMS[0])]
    settings.ENVIRONMENT_PROBLEMS = []
    assert not [m for m in checks.run_checks() if m.id == "core.E001"]


def test_a_bad_integer_is_one_readable_line_of_manage_py_check(tmp_path):
    result = _run(["manage.py", "check"], tmp_path, MOVIE_WATCHED_PERCENT="eighty")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "MOVIE_WATCHED_PERCENT" in line]
    assert lines == [
        "?: (core.E001) MOVIE_WATCHED_PERCENT='eighty' is not a whole number; 85 is used instead."
    ]


def test_bad_values_stop_manage_py_check_each_naming_its_variable(tmp_path):
    bad = {
        "TV_WATCHED_PERCENT": "101",
        "LOGGING_IGNORE_INTERVAL": "-1",
        "WATCHED_MARKER": "4",
        "TIME_ZONE": "Nowhere/Atlantis",
        "CONN_MAX_AGE": "forever",
        "NOTIFY_CONCURRENT_BY_IP": "2",
    }
    result = _run(["manage.py", "check"], tmp_path, **bad)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for variable, value in bad.items():
        lines = [line for line in result.stderr.splitlines() if variable in line]
        assert len(lines) == 1 and f"(core.E001) {variable}={value!r}" in lines[0], variable


def test_names_and_defaults_are_the_readmes(tmp_path):
    """With nothing set, the settings are the defaults of the README's configuration table."""
    names = [
        "TIME_ZONE",
        "WEEK_START_MONDAY",
        "TAUTULLI_API_KEY",
        "MOVIE_WATCHED_PERCENT",
        "TV_WATCHED_PERCENT",
        "MUSIC_WATCHED_PERCENT",
        "WATCHED_MARKER",
        "LOGGING_IGNORE_INTERVAL",
        "NOTIFY_CONCURRENT_THRESHOLD",
        "NOTIFY_CONCURRENT_BY_IP",
        "NOTIFY_RECENTLY_ADDED_DELAY",
        "NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT",
        "NOTIFY_GROUP_RECENTLY_ADDED_PARENT",
        "NOTIFY_CONSECUTIVE",
        "NOTIFY_TEXT_EVAL",
        "NOTIFY_SCRIPTS_DIR",
        "NOTIFY_SCRIPT_TIMEOUT",
        "NOTIFY_RETRY_DELAYS",
        "NOTIFY_SERVER_UPDATE_REPEAT",
        "NOTIFY_DATE_FORMAT",
        "NOTIFY_TIME_FORMAT",
        "DEBUG",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "ENVIRONMENT_PROBLEMS",
    ]
    code = (
        "import json, tautulli_project.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}})); "
        "print(json.dumps([str(s.DATA_DIR), s.DATABASES['default']['ENGINE'], "
        "s.DATABASES['default']['CONN_MAX_AGE'], s.Q_CLUSTER['workers'], 'redis' in s.Q_CLUSTER, "
        "s.LOGGING['root']['level']]))"
    )
    result = _run(["-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    values, other = (json.loads(line) for line in result.stdout.splitlines())
    assert values == {
        "TIME_ZONE": "UTC",
        "WEEK_START_MONDAY": False,
        "TAUTULLI_API_KEY": "",
        "MOVIE_WATCHED_PERCENT": 85,
        "TV_WATCHED_PERCENT": 85,
        "MUSIC_WATCHED_PERCENT": 85,
        "WATCHED_MARKER": 3,
        "LOGGING_IGNORE_INTERVAL": 120,
        "NOTIFY_CONCURRENT_THRESHOLD": 2,
        "NOTIFY_CONCURRENT_BY_IP": False,
        "NOTIFY_RECENTLY_ADDED_DELAY": 300,
        "NOTIFY_GROUP_RECENTLY_ADDED_GRANDPARENT": True,
        "NOTIFY_GROUP_RECENTLY_ADDED_PARENT": True,
        "NOTIFY_CONSECUTIVE": True,
        "NOTIFY_TEXT_EVAL": False,
        "NOTIFY_SCRIPTS_DIR": "",
        "NOTIFY_SCRIPT_TIMEOUT": 30,
        "NOTIFY_RETRY_DELAYS": [30, 120, 600],
        "NOTIFY_SERVER_UPDATE_REPEAT": False,
        "NOTIFY_DATE_FORMAT": "YYYY-MM-DD",
        "NOTIFY_TIME_FORMAT": "HH:mm",
        "DEBUG": False,
        "ALLOWED_HOSTS": ["*"],
        "CSRF_TRUSTED_ORIGINS": [],
        "ENVIRONMENT_PROBLEMS": [],
    }
    # SQLite in DATA_DIR; connections kept 60 s (one per thread, with its page cache), two
    # workers, ORM broker, INFO logs.
    assert other == [str(tmp_path.resolve()), "django.db.backends.sqlite3", 60, 2, False, "INFO"]


def test_set_values_are_read(tmp_path):
    code = (
        "import json, tautulli_project.settings as s; print(json.dumps([s.WATCHED_MARKER, "
        "s.NOTIFY_CONCURRENT_BY_IP, s.TIME_ZONE, s.WEEK_START_MONDAY, s.ALLOWED_HOSTS, "
        "s.DATABASES['default']['CONN_MAX_AGE'], s.ENVIRONMENT_PROBLEMS]))"
    )
    result = _run(
        ["-c", code],
        tmp_path,
        WATCHED_MARKER="0",
        NOTIFY_CONCURRENT_BY_IP="1",
        TZ="America/New_York",
        WEEK_START_MONDAY="true",
        ALLOWED_HOSTS="tautulli.lan, 10.0.0.2",
        DATABASE_URL="postgres://u:p@db:5432/t",
        CONN_MAX_AGE="0",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        0,
        True,
        "America/New_York",
        True,
        ["tautulli.lan", "10.0.0.2"],
        0,
        [],
    ]
