"""Plex tokens never reach the logs, whichever library prints them."""

import logging

from core.log_filters import RedactTokens


def _render(message, *args):
    record = logging.LogRecord("plexapi", logging.INFO, __file__, 1, message, args, None)
    RedactTokens().filter(record)
    return record.getMessage()


def test_tokens_in_urls_headers_and_encoded_parameters_are_redacted():
    assert _render("Starting AlertListener: %s", "ws://pms:32400/:/ws?X-Plex-Token=abc123") == (
        "Starting AlertListener: ws://pms:32400/:/ws?X-Plex-Token=<redacted>"
    )
    assert "s3cr3t" not in _render("GET /photo/:/transcode?url=%2Fx%3FX-Plex-Token%3Ds3cr3t&w=1")
    assert "tok" not in _render("headers {'X-Plex-Token': 'tok'}")
    assert _render("no secrets here: %d", 5) == "no secrets here: 5"
