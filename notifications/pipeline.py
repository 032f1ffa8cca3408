"""The notification pipeline (reference 4.3): a monitor event becomes one notify_log row and one
delivery per notifier switched on for its action, durably.

1. :func:`queue_event` receives :data:`plex.activity.events.plex_event` in the monitor's thread,
   after the change was committed. When a notifier is switched on for the action it enqueues
   :func:`notify_event` as a django-q2 task (the broker is the database by default: a restart
   loses nothing queued) and returns; the monitor never waits for a delivery.
2. :func:`notify_event` (a task) applies Tautulli's global conditions
   (:func:`global_condition_failure`), builds the parameters once, then for each notifier: the
   agent's supported actions, the "already notified" rules (:func:`already_notified`), the
   custom conditions, the texts (:func:`notifications.text.render`); it writes the notify_log
   rows (``success`` False) and delivers them (:mod:`notifications.delivery`: every notifier at
   once; a failed delivery retried later, every attempt recorded, a notifier that keeps failing
   flagged in the admin).

Users' and libraries' ``do_notify`` / ``do_notify_created`` switches are honoured (Tautulli keeps
them but has their checks commented out): a user with ``do_notify`` off gets no stream
notifications; a library with ``do_notify`` off gets none for its streams except on_concurrent
and on_newdevice (about the user, not the item), and with ``do_notify_created`` off no on_created.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.dispatch import receiver
from django_q.tasks import async_task

from core.config import monitoring_value
from core.events import STREAM_ACTIONS, Action
from history.writer import int_or_none
from libraries.models import Library
from plex.activity.events import plex_event
from servers.models import Server
from users.models import User

from . import parameters as notify_parameters
from .agents import agent_by_id
from .conditions import ConditionError, evaluate
from .delivery import TASK_OPTIONS, deliver_logs, delivery_context, new_log, save_logs
from .models import Notifier, NotifierTrigger, NotifyLog
from .parameters.catalog import PARAMETER_TYPES
from .text import MODE_JSON, MODE_SCRIPT, MODE_TEXT, Rendered, render

logger = logging.getLogger(__name__)

# Stream notifications are about what is played: photos and other kinds never notify
# (Tautulli's notify_conditions); on_concurrent and on_newdevice are about the user.
NOTIFYING_MEDIA_TYPES = frozenset({"movie", "episode", "clip", "track"})
USER_ACTIONS = frozenset({Action.CONCURRENT, Action.NEWDEVICE})
# Actions notified once per tag (a version, a token's hash) unless a setting says otherwise.
TAGGED_ACTIONS = frozenset({Action.PMSUPDATE, Action.PLEXPYUPDATE, Action.TOKENEXPIRED})
# An agent's text format (notifications.agents.base.Agent.body_format) → how texts are rendered.
TEXT_MODES = {"text": MODE_TEXT, "json": MODE_JSON, "args": MODE_SCRIPT}


@receiver(plex_event, dispatch_uid="notifications.pipeline.queue_event")
def queue_event(sender, server, action: str, session: dict | None = None, **extra) -> None:
    """Enqueue :func:`notify_event` for a monitor event when any notifier is on for ``action``.

    Runs in the monitor's thread after commit (see :func:`plex.activity.events.emit`): one indexed
    EXISTS, then one insert into the task queue.
    """
    if not NotifierTrigger.objects.filter(action=action, enabled=True).exists():
        return
    extra.pop("signal", None)  # Django's, not the event's
    event = {"server_id": server.pk, "action": action, "session": session, **extra}
    async_task("notifications.pipeline.notify_event", event, task_name=action, **TASK_OPTIONS)


def notify_event(event: dict) -> dict:
    """Task: notify every notifier switched on for ``event["action"]``.

    ``event``: ``{"server_id", "action", "session": dict | None, ...}`` plus the event's extra
    keys (``history_id``, ``user_streams``, ``timeline``, ``tag``, ``update``, ``remote_access_*``;
    see :mod:`plex.activity.events`). The first delivery attempts are made here, all notifiers
    at once (:func:`deliver_logs`); retries are scheduled. Returns ``{"sent": [log ids],
    "skipped": reason}`` (not kept by django-q2 when it succeeds: :data:`TASK_OPTIONS`).
    """
    action = event["action"]
    triggers = list(
        NotifierTrigger.objects.filter(action=action, enabled=True)
        .select_related("notifier")
        .order_by("notifier_id")
    )
    if not triggers:
        return {"queued": [], "skipped": "no notifier is on for this action"}
    server = Server.objects.filter(pk=event.get("server_id")).first()
    reason = global_condition_failure(action, event, server)
    if reason:
        logger.debug("Notification %s not sent: %s", action, reason)
        return {"queued": [], "skipped": reason}
    parameters = build_parameters(server, event)
    return notify_triggers(triggers, action, event, parameters)


def notify_triggers(triggers, action: str, event: dict, parameters: dict) -> dict:
    """Write the notify_log rows of ``triggers`` (each notifier's checks, conditions and texts:
    :func:`notify_one`) and make their first delivery attempts; ``{"sent": [log ids],
    "skipped": ""}``."""
    logs = save_logs(
        [
            log
            for trigger in triggers
            if (log := notify_one(trigger.notifier, action, event, parameters, trigger=trigger))
        ]
    )
    deliver_logs(logs, delivery_context(parameters))
    return {"sent": [log.pk for log in logs], "skipped": ""}


def global_condition_failure(action: str, event: dict, server: Server | None) -> str:
    """Why Tautulli's global conditions (and the do_notify switches) stop this event, or ""
    when it goes on to the notifiers (reference 4.2 "Global conditions")."""
    if server is None:
        return "its server no longer exists"
    session = event.get("session") or {}
    if action in STREAM_ACTIONS:
        user_id = session.get("user_id")
        if user_id is not None and User.objects.filter(user_id=user_id, do_notify=False).exists():
            return "notifications are off for this user"
        if action in USER_ACTIONS:
            return ""
        media_type = session.get("media_type")
        if media_type not in NOTIFYING_MEDIA_TYPES:
            return f"{media_type or 'this media type'} does not notify"
        if _library_off(server, session.get("section_id"), "do_notify"):
            return "notifications are off for this library"
        return _progress_failure(action, session)
    if action == Action.CREATED:
        timeline = event.get("timeline") or {}
        if _library_off(server, timeline.get("section_id"), "do_notify_created"):
            return "recently added notifications are off for this library"
        return ""
    if action in TAGGED_ACTIONS:
        repeat = action == Action.PMSUPDATE and settings.NOTIFY_SERVER_UPDATE_REPEAT
        tag = event.get("tag")
        if tag and not repeat and NotifyLog.objects.filter(notify_action=action, tag=tag).exists():
            return f"already notified for {tag}"
    return ""


def _library_off(server: Server, section_id, switch: str) -> bool:
    if section_id in (None, ""):
        return False
    return Library.objects.filter(server=server, section_id=section_id, **{switch: False}).exists()


def _progress_failure(action: str, session: dict) -> str:
    """Tautulli's on_stop / on_resume rule: past the watched percent (on_stop) or 99 %
    (on_resume) they notify only with NOTIFY_CONSECUTIVE."""
    if action not in (Action.STOP, Action.RESUME) or settings.NOTIFY_CONSECUTIVE:
        return ""
    duration = session.get("duration") or 0
    progress = 100 * (session.get("view_offset") or 0) / duration if duration else 0
    media_type = session.get("media_type")
    if action == Action.RESUME:
        limit = 99
    elif media_type == "movie":
        limit = int(monitoring_value("MOVIE_WATCHED_PERCENT", 85))
    elif media_type == "episode":
        limit = int(monitoring_value("TV_WATCHED_PERCENT", 85))
    else:
        return ""
    return f"{action} past {limit} % is off (NOTIFY_CONSECUTIVE)" if progress >= limit else ""


def build_parameters(server: Server, event: dict) -> dict:
    """The notification parameters of ``event`` (reference 4.6), built once per event."""
    action = event["action"]
    extra = {k: v for k, v in event.items() if k not in ("server_id", "action", "session")}
    if event.get("session") is not None:
        return notify_parameters.stream_parameters(
            server,
            action,
            event["session"],
            history_id=event.get("history_id"),
            user_streams=event.get("user_streams"),
        )
    if action == Action.CREATED:
        return notify_parameters.created_parameters(server, event.get("timeline") or {})
    return notify_parameters.server_parameters(server, action, **server_event_details(extra))


def server_event_details(extra: dict) -> dict:
    """A server event's details (:mod:`plex.activity.events`: flat ``remote_access_*`` values,
    an ``update`` dict) in the shapes of Tautulli's notifier keywords that
    :func:`notifications.parameters.server_parameters` reads."""
    details = {}
    remote = {
        name.removeprefix("remote_access_"): value
        for name, value in extra.items()
        if name.startswith("remote_access_")
    }
    if remote:
        details["remote_access_info"] = remote
    update = extra.get("update")
    if update:
        details["pms_download_info"] = {
            **update,
            "download_url": update.get("url", ""),
            "build": update.get("distro_build", ""),
        }
        details["update_channel"] = update.get("channel", "")
    return details


def already_notified(notifier: Notifier, action: str, session: dict) -> bool:
    """Tautulli's per-notifier rule: on_watched once per stream (session key, item, user)."""
    if action != Action.WATCHED or not session:
        return False
    return NotifyLog.objects.filter(
        notifier_id=notifier.pk,
        notify_action=action,
        session_key=int_or_none(session.get("session_key")),
        rating_key=int_or_none(session.get("rating_key")),
        user_id=int_or_none(session.get("user_id")),
    ).exists()


def notify_one(
    notifier: Notifier,
    action: str,
    event: dict,
    parameters: dict,
    *,
    trigger: NotifierTrigger | None = None,
    manual: bool = False,
) -> NotifyLog | None:
    """Check ``notifier``'s own rules for one event and render its texts: its notify_log row,
    not saved yet (:func:`save_logs`, then :func:`deliver_logs`), or None when the notifier does
    not notify this event.
    ``manual`` (a notification asked for, as ``notify_recently_added``) skips the custom
    conditions, as Tautulli's manual trigger."""
    session = event.get("session") or {}
    try:
        agent = agent_by_id(notifier.agent_id)
    except KeyError:
        logger.warning(
            "Notifier %s has an unknown agent (%s): skipped.", notifier.pk, notifier.agent_id
        )
        return None
    if agent.supported_actions is not None and action not in agent.supported_actions:
        return None
    if already_notified(notifier, action, session):
        return None
    try:
        if not manual and not evaluate(
            notifier.custom_conditions or [],
            notifier.custom_conditions_logic,
            parameters,
            parameter_types=PARAMETER_TYPES,
        ):
            return None
    except ConditionError as exc:
        logger.warning(
            "Notifier %s: its custom conditions are invalid (%s): not sent.", notifier.pk, exc
        )
        return None
    rendered = render_texts(notifier, agent, trigger, action, parameters)
    log = new_log(
        notifier,
        action,
        subject=rendered.subject,
        body=rendered.body,
        script_args=rendered.script_args,
        session=session,
        server_id=event.get("server_id"),
        tag=event.get("tag"),
        poster_url=parameters.get("poster_url") or None,
    )
    log.notifier = notifier
    return log


def render_texts(notifier: Notifier, agent, trigger, action: str, parameters: dict) -> Rendered:
    """``notifier``'s subject and body for ``action`` (its ``trigger``'s, or the defaults when
    it has none) rendered with ``parameters`` in its agent's HTML policy and text mode
    (:func:`notifications.text.render`)."""
    return render(
        trigger.subject if trigger else None,
        trigger.body if trigger else None,
        parameters,
        action=action,
        html_policy=agent.html,
        mode=TEXT_MODES[agent.text_format(notifier.config or {})],
        media_type=parameters.get("media_type"),
    )
