"""/api/v2 notifier commands (reference 1.2 "Notifiers"): list, describe, add, change and delete
notifiers, their parameters, and sending through them (``notify``, ``notify_recently_added``).

Messages and shapes are Tautulli's (captures in ``tautulli-dart/notification/``). Secrets are
masked in every answer (:func:`notifications.notifiers.notifier_config`).
"""

from django.db import transaction

from core.errors import InvalidInput
from core.events import Action
from core.tautulli_api import ApiError, api_command
from plex.client import PlexUnavailable
from plex.metadata import fetch_metadata
from servers.apiv2 import server_from_params

from .delivery import queue_deliveries, save_logs, send_now
from .models import Notifier, NotifierTrigger, NotifyLog
from .notifiers import add_notifier, notifier_config, notifier_list
from .notifiers import set_notifier_config as save_notifier_config
from .parameters import created_parameters, notifier_parameters
from .pipeline import notify_one


def _notifier(params, message: str = "Invalid notifier_id") -> Notifier:
    notifier_id = params.int("notifier_id", required=True, minimum=1)
    notifier = Notifier.objects.filter(pk=notifier_id).first()
    if notifier is None:
        raise ApiError(f"{message} {notifier_id}.")
    return notifier


@api_command()
def get_notifiers(request, params):
    """Get a list of configured notifiers.

    Optional parameters: notify_action (str): only the notifiers switched on for this action,
    e.g. "on_play".

    Returns: json: [{"id": 1, "agent_id": 13, "agent_name": "telegram",
    "agent_label": "Telegram", "friendly_name": "", "last_triggered": 1584683786,
    "last_success": 1, "active": 1}, ...]
    """
    return notifier_list(params.str("notify_action"))


@api_command()
def get_notifier_config(request, params):
    """Get the configuration of an existing notification agent.

    Required parameters: notifier_id (int): the notifier.

    Returns: json: {"id": 1, "agent_id": 13, "agent_name": "telegram",
    "agent_label": "Telegram", "friendly_name": "", "config": {"bot_token": "    ", ...},
    "config_options": [{...}, ...], "actions": {"on_play": 0, ...},
    "notify_text": {"on_play": {"subject": "...", "body": "..."}, ...},
    "custom_conditions": [...], "custom_conditions_logic": ""}. Secrets are masked.
    """
    return notifier_config(_notifier(params))


@api_command()
def add_notifier_config(request, params):
    """Add a new notification agent.

    Required parameters: agent_id (int): the agent (get_notifier_config's agent_id; 25 is
    Webhook, 100 an Apprise URL).

    Returns: json: {"notifier_id": 1}, message "Added notification agent."
    """
    agent_id = params.int("agent_id", required=True)
    try:
        notifier = add_notifier(agent_id)
    except InvalidInput:
        return {"result": "error", "message": "Failed to add notification agent."}
    return {"message": "Added notification agent.", "notifier_id": notifier.pk}


@api_command()
def set_notifier_config(request, params):
    """Configure an existing notification agent.

    Required parameters: notifier_id (int), agent_id (int): the notifier and its agent.

    Optional parameters: friendly_name (str); the agent's options as <agent name>_<option>
    (e.g. telegram_bot_token; a secret sent back masked is kept); on_<action> (0 or 1);
    on_<action>_subject, on_<action>_body (str); custom_conditions (JSON list);
    custom_conditions_logic (str, e.g. "{1} and ({2} or {3})").

    Returns: message "Saved notification agent."; invalid conditions change nothing.
    """
    notifier = _notifier(params)
    agent_id = params.int("agent_id", required=True)
    if agent_id != notifier.agent_id:
        raise ApiError(f"agent_id {agent_id} is not the agent of notifier {notifier.pk}.")
    values = params.without("notifier_id", "agent_id").as_dict()
    save_notifier_config(notifier, values)
    return {"message": "Saved notification agent."}


@api_command()
def delete_notifier(request, params):
    """Remove a notifier from the database.

    Required parameters: notifier_id (int).

    Returns: message "Notifier deleted successfully."
    """
    notifier = _notifier(params)
    notifier.delete()
    return {"message": "Notifier deleted successfully."}


@api_command()
def get_notifier_parameters(request, params):
    """Get the list of available notification parameters.

    Returns: json: [{"name": "Tautulli Version", "type": "str", "value": "tautulli_version"},
    ...]
    """
    return notifier_parameters()


@api_command()
def notify(request, params):
    """Send a notification using a notifier (the notify log's action "api").

    Required parameters: notifier_id (int); subject (str); body (str).

    Optional parameters: headers (str): the JSON headers for webhook notifications (sent as
    the subject, as Tautulli); script_args (str): the arguments for script notifications.

    Returns: json: {"notification_id": 1}, message "Notification sent."; when the delivery
    fails, the error "Notification failed." (the notification log has the reason).
    """
    notifier_id = params.int("notifier_id", minimum=1)
    if notifier_id is None:
        return {"result": "error", "message": "Notification failed: no notifier id provided."}
    notifier = Notifier.objects.filter(pk=notifier_id).first()
    if notifier is None:
        return {
            "result": "error",
            "message": f"Notification failed: invalid notifier_id provided {notifier_id}.",
        }
    subject = params.str("headers") if notifier.agent_name == "webhook" else None
    script_args = params.str("script_args")
    log, success, _ = send_now(
        notifier,
        "api",
        subject=subject if subject is not None else params.str("subject", ""),
        body=params.str("body", ""),
        script_args=_split_args(script_args) if script_args else None,
    )
    if not success:
        return {"result": "error", "message": "Notification failed."}
    return {"message": "Notification sent.", "notification_id": log.pk}


def _split_args(value: str) -> list[str]:
    import shlex

    try:
        return shlex.split(value)
    except ValueError:
        raise ApiError("Parameter script_args is not a valid argument string") from None


@api_command()
def notify_recently_added(request, params):
    """Send a recently added notification (on_created) for an item, now.

    Required parameters: rating_key (int): the item.

    Optional parameters: notifier_id (int): send only through this notifier (whether or not
    it is on for recently added); server (str): the server (default: the first).

    Returns: message "Notification queued."
    """
    rating_key = params.int("rating_key", required=True, minimum=1)
    notifier_id = params.int("notifier_id", minimum=1)
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex server is configured")
    try:
        metadata = fetch_metadata(server, rating_key)
    except PlexUnavailable as exc:
        return {"result": "error", "message": f"Failed to send notification: {exc}"}
    if not metadata:
        return {"result": "error", "message": f"Failed to send notification: no item {rating_key}."}
    if notifier_id:
        notifiers = list(Notifier.objects.filter(pk=notifier_id))
        if not notifiers:
            return {"result": "error", "message": f"Invalid notifier id {notifier_id}."}
    else:
        notifiers = list(
            Notifier.objects.filter(
                triggers__action=Action.CREATED, triggers__enabled=True
            ).order_by("id")
        )
    timeline = {
        "rating_key": rating_key,
        "parent_rating_key": metadata.get("parent_rating_key"),
        "grandparent_rating_key": metadata.get("grandparent_rating_key"),
        "media_type": metadata.get("media_type"),
        "section_id": metadata.get("section_id"),
        "title": metadata.get("title"),
        "child_keys": [],
    }
    parameters = created_parameters(server, timeline)
    event = {"server_id": server.pk, "action": Action.CREATED, "session": None}
    triggers = {
        trigger.notifier_id: trigger
        for trigger in NotifierTrigger.objects.filter(notifier__in=notifiers, action=Action.CREATED)
    }
    with transaction.atomic():
        logs = save_logs(
            [
                log
                for notifier in notifiers
                if (
                    log := notify_one(
                        notifier,
                        Action.CREATED,
                        event,
                        parameters,
                        trigger=triggers.get(notifier.pk),
                        manual=True,
                    )
                )
            ]
        )
        queue_deliveries(logs, parameters)
    return {"message": "Notification queued."}


@api_command()
def delete_notification_log(request, params):
    """Delete the Tautulli notification logs.

    Returns: message "Cleared notification logs."
    """
    NotifyLog.objects.all().delete()
    return {"message": "Cleared notification logs."}
