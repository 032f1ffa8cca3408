"""Where the secrets are in a piece of text: one set of rules for the logs
(:mod:`core.log_filters`) and the admin's masked configs (:mod:`core.admin_kit.secrets`).

* ``name=value`` and ``name: value`` where the name contains ``apikey``/``api_key``/``api-key``,
  ``token``, ``password``/``passwd``, ``secret`` or ``authorization``, also URL-encoded (``%3D``)
  inside another URL's parameter, and in dict reprs (``'X-Api-Key': '…'``): the ``/api/v2`` key
  and Tautulli Remote device tokens (both sent as ``apikey=``), ``X-Api-Key``, ``X-Plex-Token``;
* an auth scheme's credentials (``Bearer …``, ``Basic …``, ``Digest …``; the scheme word stays);
* the password of a URL's user info (``scheme://user:…@host``);
* with ``url_tokens``, token-looking parts of a URL (16+ characters mixing letters and digits,
  not a dotted host name): the webhook token of ``discord://id/token`` or
  ``https://discord.com/api/webhooks/id/token``, of ``tgram://botid:token/chat``. Logs leave them (a
  path like that is rarely a secret in a log line and often the clue); the admin masks them.

Only the standard library: gunicorn's master process loads this before Django.
"""

from __future__ import annotations

import re

# A secret's name, then "=", "%3D" or ":" (quotes around either side allowed), then an optional
# auth scheme word, then the value: up to a separator, a quote or an encoded "&", "=", ",",
# quote or space (a URL inside another URL's parameter). An already masked value is one value.
_NAMED = re.compile(
    r"\b[\w.-]*?(?:api[-_]?key|token|passw(?:or)?d|secret|authorization)[\w-]*"
    r"['\"]?\s*(?:=|%3D|:)\s*['\"]?(?:(?:bearer|basic|token|digest)\s+)?"
    r"(?P<value><redacted>|(?:%(?!26|3D|2C|22|27|20)[0-9A-Fa-f]{2}|[^&\s'\"%#,;)}\]<>])+)",
    re.IGNORECASE,
)
# Capitalised as in headers, so that prose ("basic settings") is left alone.
_SCHEME_CREDENTIALS = re.compile(r"\b(?:[Bb]earer|Basic|Digest)\s+(?P<value>[\w\-.~+/=]{8,})")
_USERINFO = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]*:(?P<value>[^\s@/'\"]+)@", re.IGNORECASE)
_URL_REST = re.compile(r"\b[a-z][a-z0-9+.-]*://(?P<rest>[^\s'\"<>]+)", re.IGNORECASE)
_TOKEN_RUN = re.compile(r"(?<![\w.\-])[\w\-~+=]{16,}(?![\w.])")


def _token_like(text: str) -> bool:
    return any(c.isalpha() for c in text) and any(c.isdigit() for c in text)


def secret_spans(text: str, *, url_tokens: bool = False) -> list[tuple[int, int]]:
    """``[(start, end)]`` of every secret value in ``text`` (rules in the module doc), sorted
    and not overlapping (overlapping matches are merged)."""
    spans = [
        m.span("value")
        for pattern in (_NAMED, _SCHEME_CREDENTIALS, _USERINFO)
        for m in pattern.finditer(text)
    ]
    if url_tokens:
        for url in _URL_REST.finditer(text):
            offset = url.start("rest")
            for run in _TOKEN_RUN.finditer(url["rest"]):
                if _token_like(run.group()):
                    spans.append((offset + run.start(), offset + run.end()))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def replace_secrets(
    text: str, replacement: str, *, url_tokens: bool = False
) -> tuple[str, list[str]]:
    """``(text with each secret value replaced by replacement, [the values replaced, in
    order])``. ``replace_secrets("https://u:pw@h", "***")`` → ``("https://u:***@h", ["pw"])``."""
    if not text:
        return text, []
    pieces, secrets, last = [], [], 0
    for start, end in secret_spans(text, url_tokens=url_tokens):
        pieces += [text[last:start], replacement]
        secrets.append(text[start:end])
        last = end
    pieces.append(text[last:])
    return "".join(pieces), secrets
