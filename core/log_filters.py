"""Logging filters: secrets never reach the logs.

:class:`RedactSecrets` is installed on every handler that writes log lines: Django's and
django-q2's (``LOGGING`` in ``tautulli_project/settings.py``) and gunicorn's error and access logs
(``gunicorn.conf.py``). It rewrites the *formatted* line (message with its arguments, traceback,
stack), so a secret is caught whichever library logs it and however it was passed.

Redacted (the value becomes ``<redacted>``, the name stays so the line still makes sense):

* ``name=value`` and ``name: value`` where the name contains ``apikey``/``api_key``/``api-key``,
  ``token``, ``password``/``passwd`` or ``secret``, also URL-encoded (``%3D``) inside another URL's
  parameter: the ``/api/v2`` key and Tautulli Remote device tokens (both sent as ``apikey=``),
  ``X-Api-Key``, ``X-Plex-Token``, passwords in forms and dict reprs;
* ``Authorization`` values (``Authorization: Bearer <redacted>``, the scheme word is kept);
* the password of a URL's user info (``scheme://user:<redacted>@host``).

This module imports only the standard library: gunicorn's master process loads it before Django.
"""

from __future__ import annotations

import logging
import re

REDACTED = "<redacted>"

# A secret's name, then "=", "%3D" or ":" (quotes around either side allowed, as in a dict repr),
# then an optional auth scheme word, then the value: up to a separator, a quote or an encoded
# "&", "=", "," or quote (a URL inside another URL's parameter).
_NAMED = re.compile(
    r"(?P<lead>\b[\w.-]*?(?:api[-_]?key|token|passw(?:or)?d|secret|authorization)[\w-]*"
    r"['\"]?\s*(?:=|%3D|:)\s*['\"]?(?:(?:bearer|basic|token|digest)\s+)?)"
    r"(?P<value><redacted>|(?:%(?!26|3D|2C|22|27|20)[0-9A-Fa-f]{2}|[^&\s'\"%#,;)}\]<>])+)",
    re.IGNORECASE,
)
# scheme://user:password@host → the password.
_USERINFO = re.compile(r"(?P<lead>\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]*:)[^\s@/'\"]+@", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every secret value (see the module doc) replaced by :data:`REDACTED`.

    ``"GET /api/v2?apikey=abc&cmd=x"`` → ``"GET /api/v2?apikey=<redacted>&cmd=x"``. Idempotent;
    text without secrets is returned unchanged.
    """
    if not text:
        return text
    text = _NAMED.sub(lambda m: m["lead"] + REDACTED, text)
    return _USERINFO.sub(lambda m: f"{m['lead']}{REDACTED}@", text)


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
