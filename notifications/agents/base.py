"""The notification agent interface (one :class:`Agent` per Tautulli agent id, reference 4.1).

An agent knows Tautulli's option keys and defaults (``defaults``, so an imported Tautulli
``notifier_config`` works unchanged), which of them are secrets, how HTML is treated in its
texts (reference 4.5), its form spec (:meth:`Agent.options`, Tautulli's ``config_options``
shape) and how to deliver (:meth:`Agent.send`).

Delivery contract: ``send(config, subject, body, *, action, parameters)`` returns a short note
for the log, or raises :class:`DeliveryError` with one readable line that never holds a secret
(:meth:`Agent.redact`) and says whether a retry may help.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

#: What :meth:`Agent.options` shows in place of a secret that is set (Tautulli masks passwords
#: with four spaces); a form sending it back means "unchanged" (:meth:`Agent.config_from_form`).
MASK = "    "

# HTML policies of reference 4.5 (``strip_tag`` in Tautulli's notification_handler).
HTML_KEEP = "keep"  # Email, Slack, Discord, Webhook
HTML_STRIP = "strip"  # every other agent: all tags removed
HTML_PUSHOVER = "pushover"  # b, i, u, a[href], font[color]
HTML_TELEGRAM = "telegram"  # Telegram's HTML subset


class DeliveryError(Exception):
    """A delivery failed. ``reason``: one readable line without secrets; ``retryable``: whether
    trying again later may succeed (network error, 5xx) or not (bad configuration, 4xx)."""

    def __init__(self, reason: str, retryable: bool):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class Opt:
    """One option of an agent's form.

    ``key``: the config key (the form field is ``<agent name>_<key>``); ``input_type``: Tautulli's
    (text, password, token, number, checkbox, select, selectize, button, help);
    ``select_options``: ``{value: text}`` or a callable ``(config) -> {value: text}``.
    A ``help`` or ``button`` entry with ``key`` ``""`` has no config value.
    """

    key: str
    input_type: str
    label: str
    description: str = ""
    select_options: Mapping | Callable | None = None
    value: object = None  # fixed value for buttons


class Agent:
    """A notification agent (Tautulli's ``Notifier`` subclass, reference 4.1).

    Attributes: ``id`` (Tautulli's agent id; 100 and up are ours), ``name`` (``agent_name``),
    ``label`` (``agent_label``), ``defaults`` (Tautulli's ``_DEFAULT_CONFIG``), ``secrets``
    (config keys never shown), ``html`` (one of the ``HTML_*`` policies), ``body_format``
    (``"text"``; ``"json"``: subject is the headers JSON text and body the JSON body text;
    ``"args"``: subject is the script argument string), ``supported_actions`` (``None`` = all),
    ``option_specs`` (the form, in Tautulli's order).
    """

    id: int
    name: str
    label: str
    defaults: dict = {}
    secrets: frozenset[str] = frozenset()
    html: str = HTML_STRIP
    body_format: str = "text"
    supported_actions: frozenset[str] | None = None
    available = True  # False: kept for imported notifiers, cannot deliver here
    option_specs: tuple[Opt, ...] = ()

    def __repr__(self):
        return f"<{type(self).__name__} {self.id} {self.name}>"

    # -- configuration -------------------------------------------------------------------

    def normalize(self, config: Mapping | None) -> dict:
        """The agent's config: ``defaults`` overlaid with ``config``, each value cast to the
        type of its default (int, or a list for list defaults) as Tautulli's
        ``_validate_config``; unknown keys are dropped, a bad int falls back to 0."""
        config = config or {}
        result = {}
        for key, default in self.defaults.items():
            value = config.get(key, default)
            if isinstance(default, bool) or isinstance(default, int):
                value = _to_int(value)
            elif isinstance(default, list):
                value = (
                    value if isinstance(value, list) else ([] if value in ("", None) else [value])
                )
            result[key] = value
        return result

    def options(self, config: Mapping | None = None, *, mask_secrets: bool = True) -> list[dict]:
        """The form spec in Tautulli's ``config_options`` shape: a list of
        ``{label, value, name, description, input_type[, select_options]}`` with ``name`` =
        ``<agent name>_<key>``. Set secrets are shown as :data:`MASK` unless ``mask_secrets``
        is false. Help entries have no ``name``/``value``."""
        config = self.normalize(config)
        result = []
        for opt in self.option_specs:
            item = {
                "label": opt.label,
                "description": opt.description,
                "input_type": opt.input_type,
            }
            if opt.input_type != "help":
                item["name"] = f"{self.name}_{opt.key}"
                value = opt.value if opt.key not in config else config[opt.key]
                if mask_secrets and opt.key in self.secrets and value not in ("", None, []):
                    value = MASK
                item["value"] = value
            if opt.select_options is not None:
                choices = opt.select_options
                item["select_options"] = dict(choices(config) if callable(choices) else choices)
            result.append(item)
        return result

    def config_from_form(self, current: Mapping | None, form: Mapping) -> dict:
        """A new config from submitted form fields (``<agent name>_<key>``, as Tautulli's
        ``set_notifier_config``): missing fields keep their current value, a secret sent back as
        :data:`MASK` is unchanged. Returns the normalized config."""
        config = self.normalize(current)
        prefix = f"{self.name}_"
        for key in self.defaults:
            field = prefix + key
            if field not in form:
                continue
            value = form[field]
            if key in self.secrets and isinstance(value, str) and value == MASK:
                continue
            if isinstance(self.defaults[key], list) and isinstance(value, str):
                value = _split_list(value)
            config[key] = value
        return self.normalize(config)

    def text_format(self, config: Mapping | None) -> str:
        """How the pipeline formats this notifier's texts: ``body_format``, except MQTT with
        ``as_json`` (``"json"``)."""
        return self.body_format

    # -- delivery ------------------------------------------------------------------------

    def send(self, config: dict, subject: str, body: str, *, action: str, parameters: dict) -> str:
        """Deliver one notification; returns a short note for the log.

        Raises :class:`DeliveryError` (reason without secrets, retryable or not)."""
        raise DeliveryError(f"{self.label} cannot send notifications", retryable=False)

    def check_action(self, action: str):
        """Refuse an action the agent does not support (Plex mobile app: reference 4.1)."""
        if self.supported_actions is not None and action not in self.supported_actions | {
            "test",
            "api",
        }:
            raise DeliveryError(
                f"{self.label} only supports {', '.join(sorted(self.supported_actions))}",
                retryable=False,
            )

    def secret_values(self, config: Mapping) -> list[str]:
        """The non-empty secret values of ``config`` (and their URL-quoted forms), longest
        first, for :meth:`redact`."""
        values = set()
        for key in self.secrets:
            value = config.get(key)
            for item in value if isinstance(value, list) else [value]:
                if item not in (None, "") and len(str(item)) >= 3:
                    text = str(item)
                    values.update({text, quote(text, safe=""), quote_plus(text), quote(text)})
                    if "://" in text:  # a secret URL: its path, query and password too
                        parts = urlsplit(text.strip())
                        pieces = (parts.path, parts.query, parts.password or "")
                        values.update(p for p in pieces if len(p) >= 3 and p != "/")
        return sorted(values, key=len, reverse=True)

    def redact(self, text: str, config: Mapping) -> str:
        """``text`` with every secret value of ``config`` replaced by ``***``, on one line."""
        for value in self.secret_values(config):
            text = text.replace(value, "***")
        return " ".join(str(text).split())


def _to_int(value) -> int:
    """Tautulli's ``cast_to_int``: ints and numeric strings as int, anything else 0."""
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def _split_list(value: str) -> list:
    """A list field submitted as text: a JSON list, or comma/semicolon separated values."""
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
            if isinstance(parsed, list):
                return parsed
        except ValueError:
            pass
    return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]


def truthy(value) -> bool:
    """A Tautulli checkbox value (0/1, "0"/"1", bool) as a bool."""
    return bool(_to_int(value))


def provider_options() -> dict[str, dict[str, str]]:
    """The info-link provider choices of Tautulli's ``PrettyMetadata`` (movie/tv/music)."""
    return {
        "movie": {
            "": "",
            "plexweb": "Plex Web",
            "imdb": "IMDb",
            "themoviedb": "The Movie Database",
            "thetvdb": "TheTVDB",
            "trakt": "Trakt",
            "simkl": "Simkl",
        },
        "tv": {
            "": "",
            "plexweb": "Plex Web",
            "imdb": "IMDb",
            "themoviedb": "The Movie Database",
            "thetvdb": "TheTVDB",
            "tvmaze": "TVmaze",
            "trakt": "Trakt",
            "simkl": "Simkl",
        },
        "music": {
            "": "",
            "plexweb": "Plex Web",
            "lastfm": "Last.fm",
            "musicbrainz": "MusicBrainz",
        },
    }


def provider_opts() -> tuple[Opt, ...]:
    """The three "info link provider" selects many Tautulli agents share."""
    choices = provider_options()
    return (
        Opt("movie_provider", "select", "Movie link", "Site linked for movies.", choices["movie"]),
        Opt("tv_provider", "select", "TV link", "Site linked for shows.", choices["tv"]),
        Opt("music_provider", "select", "Music link", "Site linked for music.", choices["music"]),
    )
