"""Delivering notifications: their notify_log rows, the agents' calls, each attempt recorded,
and retries (reference 4.3, 4.7; the pipeline that decides what to send is
:mod:`notifications.pipeline`).

* :func:`deliver_logs` makes the first attempt of an event's rows, every notifier at once (the
  agents in threads, the database work in one transaction);
* a failure the agent calls retryable is tried again after each of
  ``settings.NOTIFY_RETRY_DELAYS`` seconds (:func:`follow_up`: a one-off django-q2 schedule of
  :func:`deliver`); every attempt is a :class:`~notifications.models.DeliveryAttempt`; when the
  last fails the notifier's ``failed_deliveries`` grows (the admin flags it);
* :func:`send_now` delivers at once without conditions or retries (the ``notify`` command, the
  admin's test button).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from core import clock
from history.writer import int_or_none

from .agents import DeliveryError, agent_by_id
from .models import DeliveryAttempt, Notifier, NotifyLog

logger = logging.getLogger(__name__)

# django-q2 options of the notification tasks. ``save=False``: a task that succeeds leaves no
# result row (failures still do). The outcome of every delivery is in notify_log and its
# DeliveryAttempt rows already, and saving a success makes django-q2's monitor prune its
# success table (``save_limit``) in a write transaction per task: on SQLite that serialises the
# workers (bench/bench_notifications.py: 11 deliveries/s with results saved, 73 without).
TASK_GROUP = "notifications"
TASK_OPTIONS = {"group": TASK_GROUP, "save": False}


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
            "notifications.delivery.deliver_queued",
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
            "notifications.delivery.deliver",
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
    outcome = call_agent(log, notifier, context)
    log.notifier = notifier
    record_attempts([log], [outcome])
    return outcome


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
    """Store one attempt of each of ``logs`` (rows with ``.notifier`` set) and its outcome
    ``(success, message, retryable)``: a few statements for all of them; a success clears its
    notifier's failure count."""
    now = clock.now()
    pairs = list(zip(logs, outcomes, strict=True))
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(log=log, attempted_at=now, success=success, message=message)
        for log, (success, message, _) in pairs
    )
    delivered = [log.pk for log, (success, *_) in pairs if success]
    NotifyLog.objects.filter(pk__in=delivered).update(
        attempts=F("attempts") + 1, success=True, error=""
    )
    for log, (success, message, _) in pairs:
        if not success:
            NotifyLog.objects.filter(pk=log.pk).update(
                attempts=F("attempts") + 1, error=message[:500]
            )
            logger.warning("Notification %s (%s) failed: %s", log.pk, log.agent_name, message)
    healed = {
        log.notifier.pk
        for log, (success, *_) in pairs
        if success and log.notifier is not None and log.notifier.failed_deliveries
    }
    if healed:
        Notifier.objects.filter(pk__in=healed).update(failed_deliveries=0, last_error="")
