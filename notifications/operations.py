"""Operations notifications (issue 16): the events of :mod:`core.operations_events` through the
notification pipeline.

* ``database_corrupt(backup_id, file_name, reasons)`` (a database backup failed its
  verification, sent by the backups app) → Tautulli's ``on_plexpydbcorrupt``: the receiver
  enqueues :func:`notify_database_corrupt` (a django-q2 task, as
  :func:`notifications.pipeline.queue_event`) when a notifier is switched on for it.

Parameters: Tautulli's server-event ones (:func:`notifications.parameters.server_parameters`)
of the first server (Tautulli has one), plus ``backup_file`` (the backup's file name) and
``backup_error`` (what the verification found, ``"; "``-joined). Without any server the
server parameters are ``""``.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django_q.tasks import async_task

from core.events import Action
from core.operations_events import database_corrupt
from servers.models import Server

from .delivery import TASK_OPTIONS
from .models import NotifierTrigger
from .parameters import global_parameters, server_parameters

logger = logging.getLogger(__name__)

TASK = "notifications.operations.notify_database_corrupt"
SERVER_KEYS = (
    "server_name",
    "server_ip",
    "server_port",
    "server_url",
    "server_platform",
    "server_version",
    "server_machine_id",
)


@receiver(database_corrupt, dispatch_uid="notifications.operations.database_corrupt")
def queue_database_corrupt(sender, backup_id: int, file_name: str = "", reasons=(), **kwargs):
    """``database_corrupt`` → ``on_plexpydbcorrupt`` (queued when a notifier is on for it)."""
    action = Action.PLEXPYDBCORRUPT.value
    if not NotifierTrigger.objects.filter(action=action, enabled=True).exists():
        return
    event = {
        "action": action,
        "backup_id": int(backup_id),
        "backup_file": str(file_name or ""),
        "reasons": [str(reason) for reason in reasons or []],
    }
    async_task(TASK, event, task_name=action, **TASK_OPTIONS)


def notify_database_corrupt(event: dict) -> dict:
    """Task: notify every notifier switched on for on_plexpydbcorrupt. Returns ``{"sent": [log
    ids], "skipped": reason}``."""
    from .pipeline import notify_triggers

    action = Action.PLEXPYDBCORRUPT.value
    triggers = list(
        NotifierTrigger.objects.filter(action=action, enabled=True)
        .select_related("notifier")
        .order_by("notifier_id")
    )
    if not triggers:
        return {"sent": [], "skipped": "no notifier is on for this action"}
    server = Server.objects.order_by("pk").first()
    parameters = database_corrupt_parameters(server, event)
    log_event = {"server_id": server.pk if server is not None else None}
    return notify_triggers(triggers, action, log_event, parameters)


def database_corrupt_parameters(server, event: dict) -> dict:
    """The parameters of an on_plexpydbcorrupt notification (see the module docstring)."""
    action = Action.PLEXPYDBCORRUPT.value
    if server is not None:
        parameters = server_parameters(server, action)
    else:
        placeholder = Server(name="", url="")
        parameters = global_parameters(placeholder, action)
        parameters.update(dict.fromkeys(SERVER_KEYS, ""))
    parameters["backup_file"] = event.get("backup_file", "")
    parameters["backup_error"] = "; ".join(event.get("reasons") or [])
    return parameters
