"""/api/v2 notification commands: get_notification_log (reference 1.2 "Notifiers", 4.7)."""

from django.db.models import F
from django.db.models.functions import Lower

from core.tautulli_api import api_command
from core.tautulli_api.datatables import queryset_table
from core.timeutils import to_epoch

from .models import NotifyLog

# Sortable columns → SQL expression (text case-insensitively, as Tautulli's COLLATE NOCASE).
LOG_ORDER = {
    "timestamp": F("timestamp"),
    "notifier_id": F("notifier_id"),
    "agent_name": Lower("agent_name"),
    "notify_action": Lower("notify_action"),
    "subject_text": Lower("subject_text"),
    "body_text": Lower("body_text"),
}
LOG_SEARCH = ("agent_name", "notify_action", "subject_text", "body_text")


def log_row(entry: NotifyLog) -> dict:
    """One notification log row, Tautulli's keys and types (``timestamp`` epoch seconds,
    ``success`` 0/1). ``body_text`` has its line breaks as ``<br />`` ("" when empty), as
    Tautulli renders it for its web table."""
    body = entry.body_text or ""
    return {
        "id": entry.pk,
        "timestamp": to_epoch(entry.timestamp),
        "session_key": entry.session_key,
        "rating_key": entry.rating_key,
        "user_id": entry.user_id,
        "user": entry.user,
        "notifier_id": entry.notifier_id,
        "agent_id": entry.agent_id,
        "agent_name": entry.agent_name,
        "notify_action": entry.notify_action,
        "subject_text": entry.subject_text,
        "body_text": body.replace("\r\n", "<br />").replace("\n", "<br />"),
        "success": int(entry.success),
    }


@api_command()
def get_notification_log(request, params):
    """Get the data on the Tautulli notification logs table.

    Optional parameters: order_column (str): "timestamp" (default, newest first),
    "notifier_id", "agent_name", "notify_action", "subject_text", "body_text";
    order_dir (str): "desc" or "asc"; start (int): row to start from, 0; length (int): number
    of items to return, 25; search (str): a string to search for in the agent, action, subject
    or body, "Telegram"; json_data (str): a DataTables request instead of the simple parameters.

    Returns: json: {"draw": 1, "recordsTotal": 1039, "recordsFiltered": 163,
    "data": [{"id": 1000, "timestamp": 1462253821, "session_key": 147, "rating_key": 153037,
    "user_id": 8008135, "user": "DanyKhaleesi69", "notifier_id": 1, "agent_id": 13,
    "agent_name": "telegram", "notify_action": "on_play",
    "subject_text": "Tautulli (Winterfell-Server)",
    "body_text": "DanyKhaleesi69 started playing The Red Woman.", "success": 1}, ...]}

    Entries with the same timestamp come in id order, as in Tautulli.
    """
    return queryset_table(
        params,
        NotifyLog.objects.all(),
        order=LOG_ORDER,
        search_fields=LOG_SEARCH,
        default_column="timestamp",
        row=log_row,
    )


from . import apiv2_devices, apiv2_notifiers  # noqa: E402,F401  notifiers, notify, devices
