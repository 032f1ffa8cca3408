"""Agents delivered through Apprise: Tautulli's options mapped to Apprise URLs (reference 4.1).

Each :class:`AppriseAgent` builds ``apprise_urls(config, parameters=..., action=...) -> [url]``
from a Tautulli-style config (Apprise's URL conventions, values quoted) and :meth:`send`
delivers them with ``apprise.Apprise``; Apprise's warnings are captured with
``apprise.LogCapture`` so a failure has a readable reason (secrets removed).

What is not reproduced from Tautulli's hand-written agents: Discord/Slack/Teams rich cards
(``incl_card``, ``incl_description``, ``incl_pmslink``, colour, provider links), Pushover/Gotify/
ntfy ``incl_url`` links and ntfy descriptions, Slack ``icon_emoji``. A poster is attached (Apprise
``attach``) when the agent's ``incl_poster``/``incl_card``/``incl_thumbnail`` is set and the
parameters hold a ``poster_url``. Apprise 2.2 has no Boxcar, LunaSea or Office 365 connector
plugin: Boxcar and LunaSea are in :mod:`.http_agents`; Microsoft Teams takes a Workflows
(Power Automate) webhook URL, which Apprise parses natively.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode, urlsplit

from .base import (
    HTML_KEEP,
    HTML_PUSHOVER,
    HTML_TELEGRAM,
    Agent,
    DeliveryError,
    Opt,
    provider_opts,
    truthy,
)

PRIORITIES = {-2: -2, -1: -1, 0: 0, 1: 1, 2: 2}


def q(value) -> str:
    """One URL path segment or credential, fully quoted (``/``, ``@``, ``:`` included)."""
    return quote(str(value), safe="")


def query(**params) -> str:
    """``?a=b&c=d`` of the non-empty params (``None``/``""`` dropped), or ``""``."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def split_base_url(url: str) -> tuple[bool, str, str]:
    """``https://host:port/path/`` → ``(secure, "host:port", "/path")``; a bare host is http."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if not parts.hostname:
        raise DeliveryError("the host is missing or not a URL", retryable=False)
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        host += f":{parts.port}"
    return parts.scheme == "https", host, parts.path.rstrip("/")


class AppriseAgent(Agent):
    """An agent delivered by Apprise. Subclasses define :meth:`apprise_urls`; ``title_key``
    names the checkbox that includes the subject as title (``incl_subject``), ``poster_keys``
    the checkboxes that attach the poster."""

    title_key: str | None = "incl_subject"
    poster_keys: tuple[str, ...] = ()

    def apprise_urls(
        self, config: Mapping, *, parameters: Mapping | None = None, action: str = ""
    ) -> list[str]:
        """The Apprise URLs for ``config`` (normalized); ``DeliveryError`` when incomplete."""
        raise NotImplementedError

    def apprise_format(self, config: Mapping) -> str:
        """The Apprise input format of the body: HTML when the agent has Tautulli's
        ``html_support`` option and it is on (Telegram, Pushover, e-mail), else text."""
        import apprise

        html = "html_support" in self.defaults and truthy(config.get("html_support"))
        return apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT

    def send(self, config, subject, body, *, action, parameters):
        """Deliver through Apprise. Returns ``"sent to <n> Apprise URL(s)"``."""
        self.check_action(action)
        config = self.normalize(config)
        urls = self.apprise_urls(config, parameters=parameters or {}, action=action)
        title = subject if (self.title_key is None or truthy(config.get(self.title_key, 1))) else ""
        attach = None
        poster = (parameters or {}).get("poster_url")
        if poster and any(truthy(config.get(k)) for k in self.poster_keys):
            attach = poster
        return deliver_apprise(self, config, urls, title, body, self.apprise_format(config), attach)


def deliver_apprise(agent: Agent, config, urls, title, body, body_format, attach=None) -> str:
    """Send ``title``/``body`` to ``urls`` with Apprise; raise a redacted :class:`DeliveryError`.

    A URL Apprise refuses is a configuration error (not retryable); a failed delivery is
    retryable unless Apprise reports a 4xx answer other than 408/429."""
    import apprise  # 40 MB of plugins: loaded by the processes that deliver, not by every one

    notifier = apprise.Apprise()
    for url in urls:
        with apprise.LogCapture(level=logging.WARNING) as output:
            accepted = notifier.add(url)
        if not accepted:
            why = _reasons(output.getvalue()) or "invalid"
            raise DeliveryError(
                agent.redact(f"{agent.label}: Apprise refused the URL {url}: {why}", config),
                retryable=False,
            )
    if not urls:
        raise DeliveryError(f"{agent.label}: nothing to send to", retryable=False)
    with apprise.LogCapture(level=logging.WARNING) as output:
        ok = notifier.notify(
            body=body or " ", title=title or "", body_format=body_format, attach=attach
        )
        log = output.getvalue()
    if ok:
        return f"sent to {len(urls)} Apprise URL(s)"
    reason = _reasons(log) or "failed"
    codes = [int(c) for c in re.findall(r"\b([45]\d\d)\b", reason)]
    retryable = not codes or any(c >= 500 or c in (408, 429) for c in codes)
    raise DeliveryError(agent.redact(f"{agent.label}: {reason}"[:500], config), retryable=retryable)


def _reasons(log: str) -> str:
    """Apprise's captured log lines without their time/level prefix, de-duplicated, joined."""
    lines = [re.sub(r"^.*? - (WARNING|ERROR|CRITICAL) - ", "", line) for line in log.splitlines()]
    return "; ".join(dict.fromkeys(line.strip() for line in lines if line.strip()))


class AppriseURL(AppriseAgent):
    """Any Apprise service: ``urls`` is one or more Apprise URLs, one a line (or comma/space
    separated). Our own agent, id 100."""

    id, name, label = 100, "apprise", "Apprise URL"
    defaults = {"urls": "", "incl_subject": 1}
    secrets = frozenset({"urls"})
    option_specs = (
        Opt(
            "urls",
            "token",
            "Apprise URLs",
            "One or more Apprise URLs (one per line), e.g. discord://id/token or "
            "mailtos://user:pass@example.com. See the Apprise wiki for every service.",
        ),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        urls = [u for u in re.split(r"[\s,]+", str(config["urls"])) if u]
        if not urls:
            raise DeliveryError("Apprise URL: no URL configured", retryable=False)
        return urls


class Discord(AppriseAgent):
    """Tautulli's Discord options (reference 4.1): webhook URL, username, avatar, TTS."""

    id, name, label = 20, "discord", "Discord"
    html = HTML_KEEP
    defaults = {
        "hook": "",
        "username": "",
        "avatar_url": "",
        "color": "",
        "tts": 0,
        "incl_subject": 1,
        "incl_card": 0,
        "incl_description": 1,
        "incl_thumbnail": 0,
        "incl_pmslink": 0,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"hook"})
    poster_keys = ("incl_card", "incl_thumbnail")
    option_specs = (
        Opt(
            "hook",
            "token",
            "Webhook URL",
            "The channel's webhook URL (Server settings > Integrations).",
        ),
        Opt("username", "text", "Bot name", "Overrides the webhook's name (optional)."),
        Opt("avatar_url", "text", "Avatar URL", "Overrides the webhook's avatar (optional)."),
        Opt("color", "text", "Colour", "Hex colour of the card, e.g. #E5A00D (not used here)."),
        Opt("tts", "checkbox", "Read aloud", "Send as a text-to-speech message."),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_card", "checkbox", "Attach the poster", "Attach the poster when there is one."),
        Opt(
            "incl_description",
            "checkbox",
            "Summary",
            "Add the summary to the card (not used here).",
        ),
        Opt(
            "incl_pmslink", "checkbox", "Plex link", "Link to Plex Web on the card (not used here)."
        ),
        Opt("incl_thumbnail", "checkbox", "Poster as thumbnail", "Attach the poster."),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        m = re.search(r"/webhooks/(\d+)/([\w-]+)", config["hook"])
        if not m:
            raise DeliveryError("Discord: the webhook URL is missing or malformed", retryable=False)
        user = q(config["username"]) + "@" if config["username"] else ""
        params = query(tts="yes" if truthy(config["tts"]) else "", avatar_url=config["avatar_url"])
        return [f"discord://{user}{m[1]}/{m[2]}/{params}"]


class Slack(AppriseAgent):
    """Tautulli's Slack options (reference 4.1): incoming webhook URL, channel, username."""

    id, name, label = 14, "slack", "Slack"
    html = HTML_KEEP
    defaults = {
        "hook": "",
        "channel": "",
        "username": "",
        "icon_emoji": "",
        "color": "",
        "incl_subject": 1,
        "incl_card": 0,
        "incl_description": 1,
        "incl_thumbnail": 0,
        "incl_pmslink": 0,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"hook"})
    option_specs = (
        Opt("hook", "token", "Webhook URL", "Your Slack incoming webhook URL."),
        Opt("channel", "text", "Channel", "#channel or @user; blank for the webhook's own."),
        Opt("username", "text", "Bot name", "The name messages are posted under (optional)."),
        Opt("icon_emoji", "text", "Icon emoji", "An emoji for the bot's icon (not used here)."),
        Opt("color", "text", "Colour", "Hex colour of the card (not used here)."),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_card", "checkbox", "Info card", "Rich card with details (not used here)."),
        Opt("incl_description", "checkbox", "Summary", "Add the summary (not used here)."),
        Opt("incl_pmslink", "checkbox", "Plex link", "Link to Plex Web (not used here)."),
        Opt("incl_thumbnail", "checkbox", "Poster as thumbnail", "Small poster (not used here)."),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        m = re.search(r"/services/(\w+)/(\w+)/(\w+)", config["hook"])
        if not m:
            raise DeliveryError("Slack: the webhook URL is missing or malformed", retryable=False)
        user = q(config["username"]) + "@" if config["username"] else ""
        channel = "/" + q(config["channel"]) if config["channel"] else ""
        return [f"slack://{user}{m[1]}/{m[2]}/{m[3]}{channel}"]


class Telegram(AppriseAgent):
    """Tautulli's Telegram options (reference 4.1): bot token, chat id, HTML, preview, silent."""

    id, name, label = 13, "telegram", "Telegram"
    html = HTML_TELEGRAM
    defaults = {
        "bot_token": "",
        "chat_id": "",
        "disable_web_preview": 0,
        "silent_notification": 0,
        "html_support": 1,
        "incl_subject": 1,
        "incl_poster": 0,
    }
    secrets = frozenset({"bot_token"})
    poster_keys = ("incl_poster",)
    option_specs = (
        Opt("bot_token", "token", "Bot token", "The token @BotFather gave your bot."),
        Opt("chat_id", "text", "Chat ID", "Chat, group or @channel id(s), comma separated."),
        Opt("incl_subject", "checkbox", "Send the subject", "Put the subject above the text."),
        Opt("incl_poster", "checkbox", "Attach the poster", "Send the poster with the text."),
        Opt("html_support", "checkbox", "HTML", "Let Telegram render its HTML subset."),
        Opt("disable_web_preview", "checkbox", "No link previews", "Hide link previews."),
        Opt("silent_notification", "checkbox", "Silent", "Deliver without a sound."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["bot_token"] or not config["chat_id"]:
            raise DeliveryError("Telegram: bot token and chat ID are required", retryable=False)
        chats = "/".join(q(c.strip()) for c in str(config["chat_id"]).split(",") if c.strip())
        params = query(
            format="html" if truthy(config["html_support"]) else "text",
            preview="no" if truthy(config["disable_web_preview"]) else "yes",
            silent="yes" if truthy(config["silent_notification"]) else "no",
        )
        return [f"tgram://{q(config['bot_token'])}/{chats}/{params}"]


def _pushover_sounds(config) -> dict:
    from apprise.plugins.pushover import PUSHOVER_SOUNDS

    return {"": "", **{s: s.capitalize() for s in PUSHOVER_SOUNDS}}


class Pushover(AppriseAgent):
    """Tautulli's Pushover options (reference 4.1): app token, user/group key, sound,
    priority (emergency retry/expire), HTML."""

    id, name, label = 7, "pushover", "Pushover"
    html = HTML_PUSHOVER
    defaults = {
        "api_token": "",
        "key": "",
        "html_support": 1,
        "sound": "",
        "priority": 0,
        "retry": 30,
        "expire": 3600,
        "incl_url": 1,
        "incl_subject": 1,
        "incl_poster": 0,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"api_token", "key"})
    poster_keys = ("incl_poster",)
    option_specs = (
        Opt(
            "api_token", "token", "Application token", "The API token of your Pushover application."
        ),
        Opt("key", "token", "User or group key", "Who receives the notifications."),
        Opt("sound", "selectize", "Sound", "The notification sound.", _pushover_sounds),
        Opt("priority", "select", "Priority", "-2 (lowest) to 2 (emergency).", PRIORITIES),
        Opt(
            "retry",
            "number",
            "Emergency retry (s)",
            "Seconds between repeats of an emergency message (30 or more).",
        ),
        Opt(
            "expire",
            "number",
            "Emergency expiry (s)",
            "Seconds an emergency message keeps repeating (up to 10800).",
        ),
        Opt("html_support", "checkbox", "HTML", "Let Pushover render its HTML subset."),
        Opt("incl_url", "checkbox", "Info link", "Add a link to the media's page (not used here)."),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_poster", "checkbox", "Attach the poster", "Send the poster as an image."),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["api_token"] or not config["key"]:
            raise DeliveryError(
                "Pushover: application token and user key are required", retryable=False
            )
        sound = config["sound"][0] if isinstance(config["sound"], list) else config["sound"]
        emergency = config["priority"] == 2
        params = query(
            priority=config["priority"],
            sound=sound,
            retry=config["retry"] if emergency else "",
            expire=config["expire"] if emergency else "",
            format="html" if truthy(config["html_support"]) else "text",
        )
        return [f"pover://{q(config['key'])}@{q(config['api_token'])}/{params}"]


class Pushbullet(AppriseAgent):
    """Tautulli's Pushbullet options (reference 4.1): access token, device or channel tag."""

    id, name, label = 6, "pushbullet", "Pushbullet"
    defaults = {
        "api_key": "",
        "device_id": "",
        "channel_tag": "",
        "incl_subject": 1,
        "incl_poster": 0,
    }
    secrets = frozenset({"api_key"})
    poster_keys = ("incl_poster",)
    option_specs = (
        Opt("api_key", "token", "Access token", "Your Pushbullet access token."),
        Opt(
            "device_id",
            "select",
            "Device",
            "Device identifier; blank for all devices.",
            lambda c: {"": "", **({c["device_id"]: c["device_id"]} if c["device_id"] else {})},
        ),
        Opt("channel_tag", "text", "Channel tag", "Push to a channel instead (its tag)."),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_poster", "checkbox", "Attach the poster", "Send the poster as an image."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["api_key"]:
            raise DeliveryError("Pushbullet: the access token is required", retryable=False)
        target = ""
        if config["channel_tag"]:
            target = "/" + q("#" + config["channel_tag"].lstrip("#"))
        elif config["device_id"]:
            target = "/" + q(config["device_id"])
        return [f"pbul://{q(config['api_key'])}{target}"]


class Gotify(AppriseAgent):
    """Tautulli's Gotify options (reference 4.1): server URL, application token, priority 0-7
    (mapped onto Apprise's low 0 / moderate 3 / normal 5)."""

    id, name, label = 29, "gotify", "Gotify"
    defaults = {
        "host": "",
        "app_token": "",
        "priority": 0,
        "incl_subject": 1,
        "incl_poster": 0,
        "incl_url": 1,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"app_token"})
    option_specs = (
        Opt("host", "text", "Server URL", "Your Gotify server, e.g. https://gotify.example.com."),
        Opt("app_token", "token", "Application token", "The token of the Gotify application."),
        Opt("priority", "select", "Priority", "Gotify message priority.", {i: i for i in range(8)}),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_poster", "checkbox", "Poster", "Show the poster (not used here)."),
        Opt("incl_url", "checkbox", "Info link", "Add a link to the media's page (not used here)."),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["host"] or not config["app_token"]:
            raise DeliveryError(
                "Gotify: server URL and application token are required", retryable=False
            )
        secure, host, path = split_base_url(config["host"])
        level = config["priority"]
        priority = "low" if level <= 0 else "moderate" if level <= 3 else "normal"
        scheme = "gotifys" if secure else "gotify"
        return [f"{scheme}://{host}{path}/{q(config['app_token'])}/{query(priority=priority)}"]


class Ntfy(AppriseAgent):
    """Tautulli's ntfy options (reference 4.1): server URL, access token, topic, priority."""

    id, name, label = 30, "ntfy", "ntfy"
    defaults = {
        "host": "",
        "access_token": "",
        "topic": "",
        "priority": "default",
        "incl_subject": 1,
        "incl_description": 1,
        "incl_poster": 0,
        "incl_url": 0,
        "incl_pmslink": 0,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"access_token"})
    option_specs = (
        Opt("host", "text", "Server URL", "The ntfy server, e.g. https://ntfy.sh."),
        Opt("access_token", "token", "Access token", "For protected topics (optional)."),
        Opt("topic", "text", "Topic", "The topic to publish to."),
        Opt(
            "priority",
            "select",
            "Priority",
            "ntfy message priority.",
            {"min": 1, "low": 2, "default": 3, "high": 4, "max": 5},
        ),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_poster", "checkbox", "Attach the poster", "Attach the poster by its URL."),
        Opt("incl_description", "checkbox", "Summary", "Add the summary (not used here)."),
        Opt("incl_url", "checkbox", "Info link", "Add a link to the media's page (not used here)."),
        Opt("incl_pmslink", "checkbox", "Plex link", "Add a Plex Web link (not used here)."),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["topic"]:
            raise DeliveryError("ntfy: the topic is required", retryable=False)
        secure, host, path = split_base_url(config["host"] or "https://ntfy.sh")
        poster = (parameters or {}).get("poster_url") if truthy(config["incl_poster"]) else ""
        params = query(
            priority=config["priority"],
            token=config["access_token"],
            attach=poster,
            mode="private" if host != "ntfy.sh" else "cloud",
        )
        return [f"{'ntfys' if secure else 'ntfy'}://{host}{path}/{q(config['topic'])}/{params}"]


class Join(AppriseAgent):
    """Tautulli's Join options (reference 4.1): API key, device names, priority."""

    id, name, label = 18, "join", "Join"
    defaults = {
        "api_key": "",
        "device_names": [],
        "priority": 2,
        "incl_subject": 1,
        "incl_poster": 0,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"api_key"})
    option_specs = (
        Opt("api_key", "token", "API key", "Your Join API key."),
        Opt(
            "device_names",
            "select",
            "Devices",
            "Device names; none for all devices.",
            lambda c: {d: d for d in c["device_names"]},
        ),
        Opt("priority", "select", "Priority", "-2 (lowest) to 2 (highest).", PRIORITIES),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_poster", "checkbox", "Poster", "Show the poster (not used here)."),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["api_key"]:
            raise DeliveryError("Join: the API key is required", retryable=False)
        devices = "/".join(q(d) for d in config["device_names"] if d) or "group.all"
        return [f"join://{q(config['api_key'])}/{devices}/{query(priority=config['priority'])}"]


class Prowl(AppriseAgent):
    """Tautulli's Prowl options (reference 4.1): API key, priority."""

    id, name, label = 1, "prowl", "Prowl"
    title_key = None
    defaults = {"key": "", "priority": 0}
    secrets = frozenset({"key"})
    option_specs = (
        Opt("key", "token", "API key", "Your Prowl API key."),
        Opt("priority", "select", "Priority", "-2 (lowest) to 2 (emergency).", PRIORITIES),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["key"]:
            raise DeliveryError("Prowl: the API key is required", retryable=False)
        return [f"prowl://{q(config['key'])}/{query(priority=config['priority'])}"]


class IFTTT(AppriseAgent):
    """Tautulli's IFTTT options (reference 4.1): webhook key, event (``{action}`` replaced),
    value3 = one notification parameter; value1 = subject, value2 = body."""

    id, name, label = 12, "ifttt", "IFTTT"
    title_key = None
    defaults = {"key": "", "event": "tautulli", "value3": ""}
    secrets = frozenset({"key"})
    option_specs = (
        Opt("key", "token", "Webhook key", "Your key from IFTTT's Webhooks service settings."),
        Opt(
            "event",
            "text",
            "Event name",
            "The event to trigger; {action} is replaced by the trigger name.",
        ),
        Opt(
            "value3",
            "select",
            "Value 3",
            "A notification parameter sent as value3 (optional).",
            lambda c: {"": "", **({c["value3"]: c["value3"]} if c["value3"] else {})},
        ),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["key"]:
            raise DeliveryError("IFTTT: the webhook key is required", retryable=False)
        event = str(config["event"] or "tautulli").replace("{action}", action or "")
        extra = {"-value3": ""}
        if config["value3"]:
            extra = {"+value3": str((parameters or {}).get(config["value3"], ""))}
        return [f"ifttt://{q(config['key'])}/{q(event)}/?{urlencode(extra)}"]


class Kodi(AppriseAgent):
    """Tautulli's Kodi options (reference 4.1): host URLs (comma separated), credentials,
    display time (s), image. ``scheme`` is ``kodi`` (JSON-RPC v6) or ``xbmc`` (v2)."""

    id, name, label = 2, "xbmc", "Kodi"
    scheme = "kodi"
    defaults = {"hosts": "", "username": "", "password": "", "display_time": 5, "image": ""}
    secrets = frozenset({"password"})
    option_specs = (
        Opt(
            "hosts", "text", "Hosts", "Player URLs, comma separated, e.g. http://192.168.1.5:8080."
        ),
        Opt("username", "text", "Username", "The web interface user (optional)."),
        Opt("password", "password", "Password", "The web interface password (optional)."),
        Opt(
            "display_time",
            "number",
            "Display time (s)",
            "How long the notification stays on screen.",
        ),
        Opt("image", "text", "Image URL", "Icon of the notification (not used here)."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        hosts = [h.strip() for h in str(config["hosts"]).split(",") if h.strip()]
        if not hosts:
            raise DeliveryError(f"{self.label}: no host configured", retryable=False)
        auth = ""
        if config["username"] or config["password"]:
            auth = f"{q(config['username'])}:{q(config['password'])}@"
        urls = []
        for host_url in hosts:
            secure, host, _ = split_base_url(host_url)
            params = query(duration=config["display_time"])
            urls.append(f"{self.scheme}{'s' if secure else ''}://{auth}{host}/{params}")
        return urls


class PlexHomeTheater(Kodi):
    """Tautulli's Plex Home Theater options (same as Kodi), sent with the XBMC protocol."""

    id, name, label = 3, "plex", "Plex Home Theater"
    scheme = "xbmc"


class Growl(AppriseAgent):
    """Tautulli's Growl options (reference 4.1): ``host[:port]`` (port 23053), password."""

    id, name, label = 0, "growl", "Growl"
    defaults = {"host": "", "password": ""}
    secrets = frozenset({"password"})
    option_specs = (
        Opt("host", "text", "Host", "The Growl host, host:port (default port 23053)."),
        Opt("password", "password", "Password", "The Growl password (optional)."),
    )

    def send(self, config, subject, body, *, action, parameters):
        """As :meth:`AppriseAgent.send`; Apprise's Growl needs the ``gntp`` package."""
        from apprise.manager_plugins import NotificationManager

        if not NotificationManager()["growl"].enabled:
            raise DeliveryError("Growl needs the gntp package, which is not installed", False)
        return super().send(config, subject, body, action=action, parameters=parameters)

    def apprise_urls(self, config, *, parameters=None, action=""):
        host = str(config["host"]).strip() or "localhost"
        password = q(config["password"]) + "@" if config["password"] else ""
        return [f"growl://{password}{host}"]


class Twitter(AppriseAgent):
    """Tautulli's Twitter options (reference 4.1): the four OAuth 1.0a keys; posts a tweet."""

    id, name, label = 11, "twitter", "Twitter"
    defaults = {
        "access_token": "",
        "access_token_secret": "",
        "consumer_key": "",
        "consumer_secret": "",
        "incl_subject": 1,
        "incl_poster": 0,
    }
    secrets = frozenset({"access_token", "access_token_secret", "consumer_key", "consumer_secret"})
    poster_keys = ("incl_poster",)
    option_specs = (
        Opt("consumer_key", "token", "API key", "The API (consumer) key of your X/Twitter app."),
        Opt("consumer_secret", "token", "API secret", "The API (consumer) secret."),
        Opt("access_token", "token", "Access token", "The access token of the posting account."),
        Opt("access_token_secret", "token", "Access token secret", "The access token secret."),
        Opt("incl_subject", "checkbox", "Send the subject", "Start the tweet with the subject."),
        Opt("incl_poster", "checkbox", "Attach the poster", "Tweet the poster with the text."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        keys = [
            config[k]
            for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        ]
        if not all(keys):
            raise DeliveryError("Twitter: all four keys are required", retryable=False)
        return ["twitter://" + "/".join(q(k) for k in keys) + "/?mode=tweet"]


class GroupMe(AppriseAgent):
    """Tautulli's GroupMe options (reference 4.1): access token (for images), bot id."""

    id, name, label = 22, "groupme", "GroupMe"
    defaults = {"access_token": "", "bot_id": "", "incl_subject": 1, "incl_poster": 0}
    secrets = frozenset({"access_token", "bot_id"})
    poster_keys = ("incl_poster",)
    option_specs = (
        Opt(
            "access_token", "token", "Access token", "Your GroupMe access token (used for images)."
        ),
        Opt("bot_id", "token", "Bot ID", "The ID of the bot that posts."),
        Opt("incl_subject", "checkbox", "Send the subject", "Put the subject above the text."),
        Opt("incl_poster", "checkbox", "Attach the poster", "Post the poster with the text."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["bot_id"]:
            raise DeliveryError("GroupMe: the bot ID is required", retryable=False)
        token = "/" + q(config["access_token"]) if config["access_token"] else ""
        return [f"groupme://{q(config['bot_id'])}{token}"]


class MicrosoftTeams(AppriseAgent):
    """Tautulli's Microsoft Teams options (reference 4.1). The hook must be a Teams
    Workflows (Power Automate) webhook URL: Office 365 connector webhooks were retired by
    Microsoft and Apprise 2.2 no longer has them."""

    id, name, label = 28, "microsoftteams", "Microsoft Teams"
    defaults = {
        "hook": "",
        "incl_subject": 1,
        "incl_card": 0,
        "incl_description": 1,
        "incl_pmslink": 0,
        "poster_size": 2,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"hook"})
    option_specs = (
        Opt(
            "hook",
            "token",
            "Workflows webhook URL",
            "The URL of a Teams 'Post to a channel when a webhook request is received' workflow.",
        ),
        Opt("incl_subject", "checkbox", "Send the subject", "Use the subject as the title."),
        Opt("incl_card", "checkbox", "Info card", "Rich card with details (not used here)."),
        Opt("incl_description", "checkbox", "Summary", "Add the summary (not used here)."),
        Opt("incl_pmslink", "checkbox", "Plex link", "Add a Plex Web link (not used here)."),
        Opt(
            "poster_size",
            "select",
            "Poster size",
            "Poster size on the card (not used here).",
            {0: "None", 1: "Small", 2: "Medium", 3: "Large"},
        ),
        *provider_opts(),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        hook = str(config["hook"]).strip()
        if "/workflows/" not in hook and not hook.startswith("workflow"):
            raise DeliveryError(
                "Microsoft Teams: the hook is not a Workflows webhook URL (Office 365 connector "
                "webhooks are retired; create a Teams workflow webhook)",
                retryable=False,
            )
        return [hook]


class Email(AppriseAgent):
    """Tautulli's Email options (reference 4.1): SMTP server/port/user/password, ``tls``
    (0 none, 1 STARTTLS, 2 SSL/TLS), from name/address, to/cc/bcc lists, HTML (a multipart
    text + HTML message)."""

    id, name, label = 10, "email", "Email"
    title_key = None
    html = HTML_KEEP
    defaults = {
        "from_name": "Tautulli",
        "from": "",
        "to": [],
        "cc": [],
        "bcc": [],
        "smtp_server": "",
        "smtp_port": 465,
        "smtp_user": "",
        "smtp_password": "",
        "tls": 2,
        "html_support": 1,
    }
    secrets = frozenset({"smtp_password"})
    option_specs = (
        Opt("from_name", "text", "Sender name", "The name shown as sender."),
        Opt("from", "text", "Sender address", "The From address."),
        Opt("to", "selectize", "To", "Recipient addresses.", lambda c: {a: "" for a in c["to"]}),
        Opt("cc", "selectize", "Cc", "Copy addresses.", lambda c: {a: "" for a in c["cc"]}),
        Opt(
            "bcc", "selectize", "Bcc", "Hidden copy addresses.", lambda c: {a: "" for a in c["bcc"]}
        ),
        Opt("smtp_server", "text", "SMTP server", "Host name of the mail server."),
        Opt("smtp_port", "number", "SMTP port", "Usually 465 (SSL/TLS) or 587 (STARTTLS)."),
        Opt("smtp_user", "text", "SMTP user", "Login for the mail server (optional)."),
        Opt("smtp_password", "password", "SMTP password", "Password for the mail server."),
        Opt(
            "tls",
            "select",
            "Encryption",
            "How the connection is secured.",
            {0: "None", 1: "STARTTLS (port 587)", 2: "SSL/TLS (port 465)"},
        ),
        Opt("html_support", "checkbox", "HTML", "Send an HTML part along with plain text."),
    )

    def apprise_urls(self, config, *, parameters=None, action=""):
        if not config["smtp_server"]:
            raise DeliveryError("Email: the SMTP server is required", retryable=False)
        recipients = [a for a in config["to"] + config["cc"] + config["bcc"] if a]
        if not recipients or not config["from"]:
            raise DeliveryError(
                "Email: a sender and at least one recipient are required", retryable=False
            )
        auth = ""
        if config["smtp_user"]:
            auth = f"{q(config['smtp_user'])}:{q(config['smtp_password'])}@"
        mode = {0: "insecure", 1: "starttls"}.get(config["tls"], "ssl")
        scheme = "mailto" if mode == "insecure" else "mailtos"
        to = config["to"] or config["cc"] or config["bcc"]
        params = query(
            mode=mode,
            smtp=config["smtp_server"],
            **{"from": config["from"], "name": config["from_name"]},
            to=",".join(to),
            cc=",".join(config["cc"]) if config["to"] else "",
            bcc=",".join(config["bcc"]),
            format="html" if truthy(config["html_support"]) else "text",
        )
        return [f"{scheme}://{auth}{config['smtp_server']}:{config['smtp_port']}/{params}"]

    def send(self, config, subject, body, *, action, parameters):
        """Deliver the e-mail; the subject is the message's Subject header."""
        self.check_action(action)
        config = self.normalize(config)
        urls = self.apprise_urls(config, parameters=parameters, action=action)
        return deliver_apprise(self, config, urls, subject, body, self.apprise_format(config))


APPRISE_AGENTS: tuple[type[AppriseAgent], ...] = (
    AppriseURL,
    Discord,
    Slack,
    Telegram,
    Pushover,
    Pushbullet,
    Gotify,
    Ntfy,
    Join,
    Prowl,
    IFTTT,
    Kodi,
    PlexHomeTheater,
    Growl,
    Twitter,
    GroupMe,
    MicrosoftTeams,
    Email,
)
