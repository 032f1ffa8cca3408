"""Agents Apprise lacks (reference 4.1): plain HTTP calls where the service documents one
(Zapier, LunaSea, Boxcar), otherwise an agent that keeps Tautulli's options (so imported
notifiers keep their config) and refuses to send with the precise reason.
"""

from __future__ import annotations

from .base import Agent, DeliveryError, Opt, provider_opts, truthy
from .webhook import http_request

BOXCAR_SOUNDS = (
    "beep-crisp beep-soft bell-modern bell-one-tone bell-simple bell-triple bird-1 bird-2 boing "
    "cash clanging detonator-charge digital-alarm done echo flourish harp light magic-chime "
    "magic-coin no-sound notifier-1 notifier-2 notifier-3 orchestral-long orchestral-short score "
    "success up"
).split()


class Zapier(Agent):
    """Tautulli's Zapier agent (id 24): POSTs ``{subject, body, action}`` JSON (plus
    ``poster_url`` when the parameters have one) to the Zap's catch hook."""

    id, name, label = 24, "zapier", "Zapier"
    defaults = {"hook": "", "movie_provider": "", "tv_provider": "", "music_provider": ""}
    secrets = frozenset({"hook"})
    option_specs = (
        Opt("hook", "token", "Webhook URL", "The 'Catch Hook' URL of your Zap."),
        Opt(
            "test_hook",
            "button",
            "Test data",
            "Sends sample data so Zapier learns the fields.",
            value="Send Test Data",
        ),
        *provider_opts(),
    )

    def send(self, config, subject, body, *, action, parameters):
        config = self.normalize(config)
        if not config["hook"]:
            raise DeliveryError("Zapier: the webhook URL is not set", retryable=False)
        data = {"subject": subject, "body": body, "action": action}
        if (parameters or {}).get("poster_url"):
            data["poster_url"] = parameters["poster_url"]
        return http_request(self, config, "POST", config["hook"], json=data)


class LunaSea(Agent):
    """Tautulli's LunaSea agent (id 27): POSTs ``{action, data: {message, user, ...}}`` JSON to
    the LunaSea webhook, HTTP basic auth with the profile name when set."""

    id, name, label = 27, "lunasea", "LunaSea"
    defaults = {"hook": "", "profile": "", "incl_subject": 1}
    secrets = frozenset({"hook"})
    option_specs = (
        Opt("hook", "token", "Webhook URL", "Your LunaSea device or user webhook URL."),
        Opt("profile", "text", "Profile", "LunaSea profile name; blank for the default."),
        Opt("incl_subject", "checkbox", "Send the subject", "Put the subject above the text."),
    )
    FIELDS = (
        "user",
        "user_id",
        "player",
        "title",
        "poster_url",
        "session_key",
        "session_id",
        "user_streams",
        "remote_access_reason",
        "update_version",
        "tautulli_update_version",
    )

    def send(self, config, subject, body, *, action, parameters):
        config = self.normalize(config)
        if not config["hook"]:
            raise DeliveryError("LunaSea: the webhook URL is not set", retryable=False)
        parameters = parameters or {}
        text = f"{subject}\r\n{body}" if truthy(config["incl_subject"]) else body
        data = {"message": text, **{k: parameters.get(k) for k in self.FIELDS}}
        auth = (config["profile"], "") if config["profile"] else None
        return http_request(
            self, config, "POST", config["hook"], json={"action": action, "data": data}, auth=auth
        )


class Boxcar(Agent):
    """Tautulli's Boxcar agent (id 9): POST to Boxcar's notifications API (the service may no
    longer answer; Apprise dropped it)."""

    id, name, label = 9, "boxcar", "Boxcar"
    defaults = {"token": "", "sound": ""}
    secrets = frozenset({"token"})
    option_specs = (
        Opt("token", "token", "Access token", "Your Boxcar access token."),
        Opt(
            "sound",
            "select",
            "Sound",
            "The notification sound.",
            {"": "", **{s: s.replace("-", " ").capitalize() for s in BOXCAR_SOUNDS}},
        ),
    )
    URL = "https://new.boxcar.io/api/notifications"

    def send(self, config, subject, body, *, action, parameters):
        config = self.normalize(config)
        if not config["token"]:
            raise DeliveryError("Boxcar: the access token is not set", retryable=False)
        params = {
            "user_credentials": config["token"],
            "notification[title]": subject,
            "notification[long_message]": body,
            "notification[sound]": config["sound"],
        }
        return http_request(self, config, "POST", self.URL, params=params)


class Unsupported(Agent):
    """An agent kept for its options (imported configs) whose ``send`` always raises a
    non-retryable :class:`DeliveryError` with ``reason``."""

    reason = "not supported"
    available = False

    def send(self, config, subject, body, *, action, parameters):
        self.check_action(action)
        raise DeliveryError(f"{self.label} is not supported here: {self.reason}", retryable=False)


class Browser(Unsupported):
    id, name, label = 17, "browser", "Browser"
    defaults = {"auto_hide_delay": 5}
    reason = "it shows pop-ups in an open Tautulli web page, which this server does not have"
    option_specs = (
        Opt(
            "allow_browser",
            "button",
            "Allow notifications",
            "Browser permission.",
            value="Allow Notifications",
        ),
        Opt(
            "auto_hide_delay",
            "number",
            "Hide after (s)",
            "Seconds before a pop-up hides; 0 keeps it.",
        ),
    )


class Facebook(Unsupported):
    id, name, label = 16, "facebook", "Facebook"
    defaults = {
        "redirect_uri": "",
        "access_token": "",
        "app_id": "",
        "app_secret": "",
        "group_id": "",
        "incl_subject": 1,
        "incl_card": 0,
        "movie_provider": "",
        "tv_provider": "",
        "music_provider": "",
    }
    secrets = frozenset({"access_token", "app_secret", "app_id"})
    reason = "Facebook removed posting to groups through its Graph API (April 2024)"
    option_specs = (
        Opt("redirect_uri", "text", "Redirect URI", "OAuth redirect address."),
        Opt("app_id", "token", "App ID", "Facebook app ID."),
        Opt("app_secret", "token", "App secret", "Facebook app secret."),
        Opt(
            "facebook_auth",
            "button",
            "Authorize",
            "Request authorization.",
            value="Request Authorization",
        ),
        Opt("access_token", "token", "Access token", "Facebook access token."),
        Opt("group_id", "text", "Group ID", "The group to post to."),
        Opt("incl_subject", "checkbox", "Send the subject", "Put the subject first."),
        Opt("incl_card", "checkbox", "Info card", "Post a card with details."),
        *provider_opts(),
    )


class MacOS(Unsupported):
    id, name, label = 8, "osx", "macOS Notification Center"
    defaults = {"notify_app": "/Applications/Tautulli"}
    reason = "it needs the macOS desktop the server runs on (pyobjc), not available on this server"
    option_specs = (
        Opt(
            "notify_app", "text", "Application path", "The app registered with Notification Center."
        ),
        Opt("notify_register", "button", "Register", "Register the app.", value="Register App"),
    )


class PlexMobileApp(Unsupported):
    id, name, label = 26, "plexmobileapp", "Plex Android / iOS App"
    defaults = {"user_ids": [], "tap_action": "preplay"}
    supported_actions = frozenset({"on_play", "on_created", "on_newdevice"})
    reason = (
        "plex.tv's push notification endpoint is undocumented and needs the Plex Pass owner's "
        "account token and Plex's private payload format"
    )
    option_specs = (
        Opt(
            "user_ids",
            "select",
            "Users",
            "Users whose apps receive the notifications.",
            lambda c: {u: u for u in c["user_ids"]},
        ),
        Opt(
            "tap_action",
            "select",
            "On tap",
            "What tapping the notification does.",
            {"preplay": "Open the media's page", "play": "Start playing the media"},
        ),
    )


HTTP_AGENTS: tuple[type[Agent], ...] = (
    Zapier,
    LunaSea,
    Boxcar,
    Browser,
    Facebook,
    MacOS,
    PlexMobileApp,
)
