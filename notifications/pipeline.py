"""The notification pipeline (reference 4.3): a monitor event becomes one notify_log row and one
delivery per notifier switched on for its action, durably.

1. :func:`queue_event` receives :data:`plex.activity.events.plex_event` in the monitor's thread,
   after the change was committed. When a notifier is switched on for the action it enqueues
   :func:`notify_event` as a django-q2 task (the broker is the database by default: a restart
   loses nothing queued) and returns; the monitor never waits for a delivery.
2. :func:`notify_event` (a task) applies Tautulli's global conditions
   (:func:`passes_global_conditions`), builds the parameters once, then for each notifier: the
   agent's supported actions, the "already notified" rules (:func:`already_notified`), the
   custom conditions, the texts (:func:`notifications.text.render`); it writes the notify_log
   row (``success`` False) and enqueues :func:`deliver` for it.
3. :func:`deliver` (a task) calls the agent. A failure the agent calls retryable is tried again
   after each of ``settings.NOTIFY_RETRY_DELAYS`` seconds (a django-q2 schedule per retry); every
   attempt is a :class:`~notifications.models.DeliveryAttempt`. When the last attempt fails the
   notifier's ``failed_deliveries`` grows and the admin flags it (``Notifier.FAILING_AFTER``).

Users' and libraries' ``do_notify`` / ``do_notify_created`` switches are honoured (Tautulli keeps
them but has their checks commented out): a user with ``do_notify`` off gets no stream
notifications; a library with ``do_notify`` off gets none for its streams except on_concurrent
and on_newdevice (about the user, not the item), and with ``do_notify_created`` off no on_created.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from core import clock
from core.config import monitoring_value
from core.events import STREAM_ACTIONS, Action
from history.writer import int_or_none
from libraries.models import Library
from plex.activity.events import plex_event
from servers.models import Server
from users.models import User

from . import parameters as notify_parameters
from .agents import DeliveryError, agent_by_id
from .conditions import ConditionError, evaluate
from .models import DeliveryAttempt, Notifier, NotifierTrigger, NotifyLog
from .parameters.catalog import PARAMETER_TYPES
from .text import MODE_JSON, MODE_SCRIPT, MODE_TEXT, render

logger = logging.getLogger(__name__)

TASK_GROUP = "notifications"
# django-q2 options of the pipeline's tasks. ``save=False``: a task that succeeds leaves no
# result row (failures still do). The outcome of every delivery is in notify_log and its
# DeliveryAttempt rows already, and saving a success makes django-q2's monitor prune its
# success table (``save_limit``) in a write transaction per task: on SQLite that serialises the
# workers (bench/bench_notifications.py: 11 deliveries/s with results saved, 73 without).
TASK_OPTIONS = {"group": TASK_GROUP, "save": False}
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
    rendered = render(
        trigger.subject if trigger else None,
        trigger.body if trigger else None,
        parameters,
        action=action,
        html_policy=agent.html,
        mode=TEXT_MODES[agent.text_format(notifier.config or {})],
        media_type=parameters.get("media_type"),
    )
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


def save_logs(logs: list[NotifyLog]) -> list[NotifyLog]:
    """Insert the rows of :func:`notify_one` at once (one statement, ids filled in)."""
    notifiers = [log.notifier for log in logs]
    saved = NotifyLog.objects.bulk_create(logs)
    for log, notifier in zip(saved, notifiers, strict=True):
        log.notifier = notifier
    return saved


def write_log(notifier: Notifier, action: str, **values) -> NotifyLog:
    """:func:`new_log`, saved."""
    log = new_log(notifier, action, **values)
    log.save()
    return log


def new_log(
    notifier: Notifier,
    action: str,
    *,
    subject: str,
    body: str,
    script_args=None,
    session: dict | None = None,
    server_id: int | None = None,
    tag: str | None = None,
    poster_url: str | None = None,
) -> NotifyLog:
    """The notify_log row of one notification, unsaved and not yet delivered (Tautulli's
    set_notify_state)."""
    session = session or {}
    return NotifyLog(
        timestamp=clock.now(),
        session_key=int_or_none(session.get("session_key")),
        rating_key=int_or_none(session.get("rating_key")),
        parent_rating_key=int_or_none(session.get("parent_rating_key")),
        grandparent_rating_key=int_or_none(session.get("grandparent_rating_key")),
        user_id=int_or_none(session.get("user_id")),
        user=session.get("friendly_name") or session.get("user"),
        notifier_id=notifier.pk,
        agent_id=notifier.agent_id,
        agent_name=notifier.agent_name,
        notify_action=action,
        subject_text=subject,
        body_text=body,
        script_args=json.dumps(script_args) if script_args else None,
        server_id=server_id,
        tag=tag,
        poster_url=poster_url,
    )


def delivery_context(parameters: dict) -> dict:
    """The parameters an agent may read besides its texts (poster, links, ids), as plain
    strings and numbers: what a retry, scheduled in the database, carries."""
    context = {}
    for name, value in (parameters or {}).items():
        if value is None or isinstance(value, (bool, int, float, str)):
            context[name] = value
        else:
            context[name] = str(value)
    return context


def queue_deliveries(logs: list[NotifyLog], parameters: dict | None = None) -> None:
    """Enqueue the first delivery attempts of ``logs`` (one task) once the current transaction
    commits: for notifications asked for in a request (``notify_recently_added``)."""
    if not logs:
        return
    ids, context = [log.pk for log in logs], delivery_context(parameters or {})
    transaction.on_commit(
        lambda: async_task(
            "notifications.pipeline.deliver_queued",
            ids,
            context,
            task_name="deliver",
            **TASK_OPTIONS,
        )
    )


def deliver_queued(log_ids: list[int], context: dict | None = None) -> dict:
    """Task: the first delivery attempts of the notify_log rows ``log_ids``."""
    logs = list(NotifyLog.objects.filter(pk__in=log_ids, success=False).order_by("id"))
    notifiers = Notifier.objects.in_bulk({log.notifier_id for log in logs})
    for log in logs:
        log.notifier = notifiers.get(log.notifier_id)
    deliver_logs(logs, context)
    return {"sent": [log.pk for log in logs]}


# Deliveries of one event made at once (each agent waits on its service, not on the others).
MAX_PARALLEL_DELIVERIES = 8


def deliver_logs(logs: list[NotifyLog], context: dict | None = None) -> None:
    """First delivery attempt of each of ``logs`` (rows with ``.notifier`` set), the agents
    called in parallel threads (database work stays in this thread); each outcome recorded, a
    retryable failure scheduled again (:func:`follow_up`)."""
    if not logs:
        return
    if len(logs) == 1:
        outcomes = [call_agent(logs[0], logs[0].notifier, context)]
    else:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_DELIVERIES, len(logs))) as pool:
            outcomes = list(
                pool.map(lambda log: _in_thread(call_agent, log, log.notifier, context), logs)
            )
    with transaction.atomic():
        record_attempts(logs, outcomes)
        for log, (success, message, retryable) in zip(logs, outcomes, strict=True):
            follow_up(log, log.notifier, success, message, retryable, attempt=1, context=context)


def _in_thread(func, *args):
    """``func(*args)`` in a pool thread, closing the thread's database connection after (an
    agent may read the database: the Remote App its devices)."""
    try:
        return func(*args)
    finally:
        connection.close()


def deliver(log_id: int, context: dict | None = None, attempt: int = 1) -> dict:
    """Task: one delivery attempt of notify_log row ``log_id`` (attempt ``attempt``, from 1).

    Returns ``{"log_id", "success", "message"}``. Never raises for a failed delivery: a
    retryable failure schedules the next attempt (``settings.NOTIFY_RETRY_DELAYS``), the last
    one marks the notifier as failing once more.
    """
    log = NotifyLog.objects.filter(pk=log_id).first()
    if log is None or log.success:
        return {"log_id": log_id, "success": bool(log and log.success), "message": "nothing to do"}
    notifier = Notifier.objects.filter(pk=log.notifier_id).first()
    success, message, retryable = attempt_delivery(log, notifier, context)
    follow_up(log, notifier, success, message, retryable, attempt=attempt, context=context)
    return {"log_id": log.pk, "success": success, "message": message}


def follow_up(log, notifier, success: bool, message: str, retryable: bool, *, attempt, context):
    """After attempt ``attempt`` (from 1) of ``log``: a retryable failure is tried again after
    ``settings.NOTIFY_RETRY_DELAYS[attempt - 1]`` seconds (a one-off django-q2 schedule); the
    last failure counts against the notifier (flagged in the admin after a few)."""
    if success:
        return
    delays = settings.NOTIFY_RETRY_DELAYS
    if retryable and attempt <= len(delays):
        schedule(
            "notifications.pipeline.deliver",
            log.pk,
            context or {},
            attempt + 1,
            name=f"Retry notification {log.pk} (attempt {attempt + 1})",
            schedule_type=Schedule.ONCE,
            repeats=-1,
            next_run=timezone.now() + dt.timedelta(seconds=delays[attempt - 1]),
        )
    elif notifier is not None:
        Notifier.objects.filter(pk=notifier.pk).update(
            failed_deliveries=F("failed_deliveries") + 1, last_error=message[:500]
        )


def attempt_delivery(
    log: NotifyLog, notifier: Notifier | None, context: dict | None = None
) -> tuple[bool, str, bool]:
    """Call the notifier's agent once for ``log`` and record the attempt:
    ``(success, message, retryable)``; the message is one line without secrets."""
    success, message, retryable = call_agent(log, notifier, context)
    record_attempt(log, notifier, success=success, message=message)
    return success, message, retryable


def call_agent(
    log: NotifyLog, notifier: Notifier | None, context: dict | None = None
) -> tuple[bool, str, bool]:
    """Deliver ``log`` through its notifier's agent once, recording nothing:
    ``(success, message, retryable)``. The agent's ``parameters`` are ``context`` plus
    ``notification_id`` (the notify_log row id, which Tautulli gives the Remote App)."""
    retryable = False
    try:
        if notifier is None:
            raise DeliveryError("the notifier was deleted", retryable=False)
        agent = agent_by_id(notifier.agent_id)
        agent.check_action(log.notify_action or "")
        extra = {"script_args": _script_args(log)} if agent.body_format == "args" else {}
        message = agent.send(
            notifier.config or {},
            log.subject_text or "",
            log.body_text or "",
            action=log.notify_action or "",
            parameters={**(context or {}), "notification_id": log.pk},
            **extra,
        )
        success = True
    except KeyError:
        message, success = f"unknown agent {notifier.agent_id}", False
    except DeliveryError as exc:
        message, success, retryable = exc.reason, False, exc.retryable
    except Exception as exc:  # an agent's bug must not lose the notification
        logger.exception("Notifier %s failed unexpectedly", log.notifier_id)
        message, success, retryable = f"unexpected error: {type(exc).__name__}", False, True
    return success, message or "", retryable


def send_now(
    notifier: Notifier,
    action: str,
    *,
    subject: str,
    body: str,
    script_args: list | None = None,
    parameters: dict | None = None,
) -> tuple[NotifyLog, bool, str]:
    """Deliver a notification at once, without conditions or retries: the ``notify`` command
    (action ``api``) and the admin's test button (``test``); Tautulli's manual trigger.
    Returns ``(log row, success, message)``."""
    log = write_log(notifier, action, subject=subject, body=body, script_args=script_args)
    success, message, _ = attempt_delivery(log, notifier, delivery_context(parameters or {}))
    return log, success, message


def _script_args(log: NotifyLog) -> list:
    try:
        value = json.loads(log.script_args or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def record_attempts(logs: list[NotifyLog], outcomes: list[tuple[bool, str, bool]]) -> None:
    """Store the first attempt of each of ``logs``: a few statements for all of them."""
    now = clock.now()
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(log=log, attempted_at=now, success=success, message=message)
        for log, (success, message, _) in zip(logs, outcomes, strict=True)
    )
    delivered = [log.pk for log, (success, *_) in zip(logs, outcomes, strict=True) if success]
    NotifyLog.objects.filter(pk__in=delivered).update(attempts=1, success=True, error="")
    for log, (success, message, _) in zip(logs, outcomes, strict=True):
        if not success:
            NotifyLog.objects.filter(pk=log.pk).update(attempts=1, error=message[:500])
            logger.warning("Notification %s (%s) failed: %s", log.pk, log.agent_name, message)
    healed = {
        log.notifier.pk
        for log, (success, *_) in zip(logs, outcomes, strict=True)
        if success and log.notifier is not None and log.notifier.failed_deliveries
    }
    if healed:
        Notifier.objects.filter(pk__in=healed).update(failed_deliveries=0, last_error="")


def record_attempt(log: NotifyLog, notifier: Notifier | None, *, success: bool, message: str):
    """Store one attempt on ``log`` (and the notifier's health on success)."""
    now = clock.now()
    DeliveryAttempt.objects.create(log=log, attempted_at=now, success=success, message=message)
    changes = {"attempts": F("attempts") + 1, "error": "" if success else message[:500]}
    if success:
        changes["success"] = True
    NotifyLog.objects.filter(pk=log.pk).update(**changes)
    if success and notifier is not None and notifier.failed_deliveries:
        Notifier.objects.filter(pk=notifier.pk).update(failed_deliveries=0, last_error="")
    if not success:
        logger.warning("Notification %s (%s) failed: %s", log.pk, log.agent_name, message)
