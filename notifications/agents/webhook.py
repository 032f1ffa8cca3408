"""Tautulli's Webhook agent (id 25, reference 4.1 and 4.5): a templated JSON request.

The pipeline formats the texts and passes ``subject`` = the headers as JSON text (an object,
or ``""``) and ``body`` = the JSON body text (or ``""``). As Tautulli: headers default to
``Content-Type: application/json``; the body is sent as JSON when that is the content type,
else as the raw text; the method is the configured one (GET/POST/PUT/DELETE/PATCH).
"""

from __future__ import annotations

import json

import requests

from .base import HTML_KEEP, Agent, DeliveryError, Opt

TIMEOUT = 15  # seconds, connect and read


class Webhook(Agent):
    """Sends ``{method} {hook}`` with the JSON headers/body (reference 4.1: hook, method)."""

    id, name, label = 25, "webhook", "Webhook"
    html = HTML_KEEP
    body_format = "json"
    defaults = {"hook": "", "method": "POST"}
    secrets = frozenset({"hook"})
    option_specs = (
        Opt("hook", "token", "Webhook URL", "The URL the request is sent to."),
        Opt(
            "method",
            "select",
            "HTTP method",
            "The method of the request.",
            {m: m for m in ("GET", "POST", "PUT", "DELETE", "PATCH")},
        ),
    )

    def send(self, config, subject, body, *, action, parameters):
        """Returns ``"HTTP <status>"``; 4xx is a non-retryable error, 5xx and network errors
        retryable; invalid JSON headers/body are not retryable."""
        config = self.normalize(config)
        if not config["hook"]:
            raise DeliveryError("Webhook: the URL is not set", retryable=False)
        headers = {"Content-Type": "application/json"}
        try:
            extra = json.loads(subject) if subject else None
            payload = json.loads(body) if body else None
        except ValueError as e:
            raise DeliveryError(
                f"Webhook: the headers or body are not valid JSON ({e})", False
            ) from e
        if extra:
            if not isinstance(extra, dict):
                raise DeliveryError("Webhook: the headers must be a JSON object", retryable=False)
            headers.update({str(k): str(v) for k, v in extra.items()})
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        kwargs = {"json": payload} if content_type == "application/json" else {"data": payload}
        return http_request(
            self, config, config["method"] or "POST", config["hook"], headers=headers, **kwargs
        )


def http_request(agent: Agent, config, method: str, url: str, **kwargs) -> str:
    """One HTTP request for ``agent`` with a timeout; returns ``"HTTP <status>"`` or raises a
    :class:`DeliveryError` whose reason is redacted of ``config``'s secrets."""
    try:
        response = requests.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as e:
        raise DeliveryError(
            agent.redact(f"{agent.label}: {type(e).__name__}: {e}", config), True
        ) from e
    if response.status_code >= 400:
        text = response.text[:200]
        retry = response.status_code >= 500 or response.status_code in (408, 429)
        raise DeliveryError(
            agent.redact(
                f"{agent.label}: HTTP {response.status_code} {response.reason}: {text}", config
            ),
            retryable=retry,
        )
    return f"HTTP {response.status_code}"
