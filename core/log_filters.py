"""Logging filters: secrets never reach the logs.

:class:`RedactSecrets` is installed on every handler that writes log lines: Django's and
django-q2's (``LOGGING`` in ``tautulli_project/settings.py``) and gunicorn's error and access logs
(``gunicorn.conf.py``). It rewrites the *formatted* line (message with its arguments, traceback,
stack), so a secret is caught whichever library logs it and however it was passed. What counts
as a secret is :mod:`core.redaction`'s (the API key and device tokens as ``apikey=``,
``X-Api-Key``, ``X-Plex-Token``, passwords, ``Authorization`` values, URL passwords); the value
becomes ``<redacted>``, its name stays so the line still makes sense.

Only the standard library: gunicorn's master process loads this before Django.
"""

from __future__ import annotations

import logging

from core.redaction import replace_secrets

REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` with every secret value replaced by :data:`REDACTED`.

    ``"GET /api/v2?apikey=abc&cmd=x"`` → ``"GET /api/v2?apikey=<redacted>&cmd=x"``. Idempotent;
    text without secrets is returned unchanged.
    """
    return replace_secrets(text, REDACTED)[0]


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (formatted with its args), traceback and stack with
    :func:`redact`. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # args that do not fit: logging reports it
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatted here (as the handler's formatter would) so the traceback is redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
