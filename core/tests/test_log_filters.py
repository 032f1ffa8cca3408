"""Secrets never reach the logs: whichever library prints them, through Django's logging as
configured by settings.LOGGING, and through gunicorn's access log as configured by
gunicorn.conf.py."""

import contextlib
import datetime as dt
import io
import logging
import logging.config
import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils.log import DEFAULT_LOGGING
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from core.log_filters import RedactSecrets, redact

API_KEY = "0123456789abcdef0123456789abcdef"
DEVICE_TOKEN = "dev1ce-t0ken-ZZZ"
PLEX_TOKEN = "plexTOKEN-yyy"
PASSWORD = "hunter2pass"
SECRETS = (API_KEY, DEVICE_TOKEN, PLEX_TOKEN, PASSWORD)
# Requests as clients send them: Home Assistant (apikey), Tautulli Remote (a device token as
# apikey, app=true), an image proxied with the Plex token in a nested URL, a database URL.
REQUEST_LINES = (
    f"GET /api/v2?apikey={API_KEY}&cmd=get_activity HTTP/1.1",
    f"GET /api/v2?cmd=get_history&app=true&apikey={DEVICE_TOKEN} HTTP/1.1",
    f"GET /api/v2?cmd=pms_image_proxy&img=%2Fx%3FX-Plex-Token%3D{PLEX_TOKEN}%26w%3D1 HTTP/1.1",
    f"POST /notify?url=postgres://app:{PASSWORD}@db:5432/app HTTP/1.1",
)


def _render(message, *args):
    record = logging.LogRecord("plexapi", logging.INFO, __file__, 1, message, args, None)
    RedactSecrets().filter(record)
    return record.getMessage()


def test_tokens_in_urls_headers_and_encoded_parameters_are_redacted():
    assert _render("Starting AlertListener: %s", "ws://pms:32400/:/ws?X-Plex-Token=abc123") == (
        "Starting AlertListener: ws://pms:32400/:/ws?X-Plex-Token=<redacted>"
    )
    assert "s3cr3t" not in _render("GET /photo/:/transcode?url=%2Fx%3FX-Plex-Token%3Ds3cr3t&w=1")
    assert "tok" not in _render("headers {'X-Plex-Token': 'tok'}")
    assert _render("no secrets here: %d", 5) == "no secrets here: 5"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"GET /api/v2?apikey={API_KEY}&cmd=get_activity",
            "GET /api/v2?apikey=<redacted>&cmd=get_activity",
        ),
        (f"app=true&apikey={DEVICE_TOKEN}", "app=true&apikey=<redacted>"),
        (f"{{'X-Api-Key': '{API_KEY}'}}", "{'X-Api-Key': '<redacted>'}"),
        (f"HTTP_X_API_KEY={API_KEY}", "HTTP_X_API_KEY=<redacted>"),
        (f"Authorization: Bearer {API_KEY}", "Authorization: Bearer <redacted>"),
        (
            f"connect to postgres://app:{PASSWORD}@db/app",
            "connect to postgres://app:<redacted>@db/app",
        ),
        (f"password={PASSWORD}&user=x", "password=<redacted>&user=x"),
        ("Unauthorized: http://pms:32400 rejected the token (HTTP 401).", None),
        ("GET /admin/history/history/?started__gte=2026-01-01 200", None),
    ],
)
def test_redact_keeps_the_name_and_hides_the_value(line, expected):
    assert redact(line) == (line if expected is None else expected)
    assert redact(redact(line)) == redact(line)


def test_a_traceback_carrying_a_token_is_redacted():
    try:
        raise RuntimeError(f"(401) unauthorized; http://pms:32400/status?X-Plex-Token={PLEX_TOKEN}")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RedactSecrets().filter(record)
    line = logging.Formatter().format(record)
    assert "X-Plex-Token=<redacted>" in line and PLEX_TOKEN not in line


@contextlib.contextmanager
def logging_restored():
    """Every logger's handlers, level, filters and flags put back as they were afterwards (the
    session's handlers keep writing where pytest captures them)."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [
        (
            logger,
            logger.handlers[:],
            logger.level,
            logger.filters[:],
            logger.propagate,
            logger.disabled,
        )
        for logger in loggers
    ]
    try:
        yield
    finally:
        for logger, handlers, level, filters, propagate, disabled in saved:
            logger.handlers, logger.filters = handlers, filters
            logger.level, logger.propagate, logger.disabled = level, propagate, disabled


@pytest.fixture
def django_logging():
    """Logging configured as Django does at start-up (its defaults, then settings.LOGGING), with
    the handlers writing to a buffer."""
    stream = io.StringIO()
    with logging_restored():
        saved = sys.stderr
        sys.stderr = stream  # the StreamHandlers created now write here
        try:
            logging.config.dictConfig(DEFAULT_LOGGING)
            logging.config.dictConfig(settings.LOGGING)
        finally:
            sys.stderr = saved
        yield stream


@pytest.mark.parametrize(
    "logger_name",
    ["django.server", "django.request", "django-q", "plexapi", "gunicorn.error", "core.anything"],
)
def test_settings_logging_redacts_every_logger(django_logging, logger_name):
    logger = logging.getLogger(logger_name)
    for line in REQUEST_LINES:
        logger.error('"%s" %s %s', line, 200, 512)  # runserver's request line format
    logger.error("headers: %s", repr({"X-Api-Key": API_KEY, "X-Plex-Token": PLEX_TOKEN}))
    output = django_logging.getvalue()
    assert output.count("<redacted>") == 6
    assert not [secret for secret in SECRETS if secret in output]


def test_every_handler_django_configures_redacts(django_logging):
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = {h for logger in loggers for h in logger.handlers}
    writers = [h for h in handlers if type(h).__module__ == "logging"]
    writers = [h for h in writers if not isinstance(h, logging.NullHandler)]
    assert writers
    assert all(any(isinstance(f, RedactSecrets) for f in h.filters) for h in writers)


def test_api_requests_through_django_log_no_key(client, api_key, caplog, django_logging):
    """An /api/v2 call that fails and one that is refused: what they log carries no key."""
    client.get("/api/v2", {"apikey": api_key, "cmd": "get_server_friendly_name"})
    client.get("/api/v2", {"apikey": DEVICE_TOKEN, "app": "true", "cmd": "get_activity"})
    client.get(f"/no-such-page?apikey={api_key}")
    for output in (django_logging.getvalue(), caplog.text):
        assert api_key not in output and DEVICE_TOKEN not in output


def test_refused_requests_add_no_warning_per_request(client, api_key, django_logging):
    """A client's bad input (400) or wrong key is the access log's business: Django's "Bad
    Request" warning would repeat on every such request."""
    for _ in range(3):
        client.get("/api/v2", {"apikey": api_key, "cmd": "get_history", "user_id": "2" * 30})
        client.get("/api/v2", {"apikey": "wrong", "cmd": "get_activity"})
        client.get("/api/history", {"limit": "x"}, headers={"X-Api-Key": api_key})
    assert "WARNING" not in django_logging.getvalue()


def _gunicorn_config() -> Config:
    """gunicorn's settings loaded from the project's gunicorn.conf.py, as ``--config`` does."""
    cfg = Config()
    path = Path(settings.BASE_DIR) / "gunicorn.conf.py"
    for name, value in runpy.run_path(str(path)).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def _gunicorn_logger() -> GunicornLogger:
    return GunicornLogger(_gunicorn_config())


def test_gunicorn_lets_a_long_api_query_reach_django():
    """1,001 short parameters (more than Django reads) fit gunicorn's request line, so the client
    gets Tautulli's envelope from /api/v2 rather than gunicorn's own HTML 400."""
    query = "&".join(f"{i:x}=" for i in range(1001))
    request_line = f"GET /api/v2?apikey={API_KEY}&cmd=get_activity&{query} HTTP/1.1"
    assert len(request_line) <= _gunicorn_config().limit_request_line


def test_gunicorn_access_log_carries_no_secret(capsys):
    with logging_restored():
        logger = _gunicorn_logger()
        for line in REQUEST_LINES:
            method, uri, protocol = line.split(" ")
            environ = {
                "REQUEST_METHOD": method,
                "RAW_URI": uri,
                "PATH_INFO": uri.split("?")[0],
                "QUERY_STRING": uri.partition("?")[2],
                "SERVER_PROTOCOL": protocol,
                "REMOTE_ADDR": "192.0.2.7",
                "HTTP_REFERER": f"http://tautulli/?apikey={API_KEY}",
                "HTTP_USER_AGENT": "Tautulli Remote",
            }
            response = SimpleNamespace(status="200 OK", sent=10, headers=[])
            request = SimpleNamespace(headers=[("X-API-KEY", API_KEY)])
            logger.access(response, request, environ, dt.timedelta(milliseconds=5))
        logger.error("worker failed on %s", f"/api/v2?apikey={API_KEY}")
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == len(REQUEST_LINES)
    assert '"GET /api/v2?apikey=<redacted>&cmd=get_activity HTTP/1.1" 200' in out
    assert "apikey=<redacted>" in err
    assert not [secret for secret in SECRETS if secret in out + err]
