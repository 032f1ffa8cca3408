"""/api/v2 newsletter commands: get_newsletter_log (reference 1.2 "Newsletters", 5)."""

from django.db.models import F
from django.db.models.functions import Lower

from core.tautulli_api import api_command
from core.tautulli_api.datatables import queryset_table
from core.timeutils import to_epoch

from .models import NewsletterLog

# Sortable columns → SQL expression (text case-insensitively, as Tautulli's COLLATE NOCASE).
# start_date/end_date are YYYY-MM-DD text, so they sort chronologically as text.
LOG_ORDER = {
    "timestamp": F("timestamp"),
    "newsletter_id": F("newsletter_id"),
    "agent_name": Lower("agent_name"),
    "notify_action": Lower("notify_action"),
    "subject_text": Lower("subject_text"),
    "body_text": Lower("body_text"),
    "start_date": F("start_date"),
    "end_date": F("end_date"),
    "uuid": Lower("uuid"),
}
LOG_SEARCH = (
    "agent_name",
    "notify_action",
    "subject_text",
    "body_text",
    "start_date",
    "end_date",
    "uuid",
)


def log_row(entry: NewsletterLog) -> dict:
    """One newsletter log row, Tautulli's keys and types (``timestamp`` epoch seconds,
    ``start_date``/``end_date`` ``YYYY-MM-DD`` text, ``success`` 0/1)."""
    return {
        "id": entry.pk,
        "timestamp": to_epoch(entry.timestamp),
        "newsletter_id": entry.newsletter_id,
        "agent_id": entry.agent_id,
        "agent_name": entry.agent_name,
        "notify_action": entry.notify_action,
        "subject_text": entry.subject_text,
        "body_text": entry.body_text,
        "start_date": entry.start_date,
        "end_date": entry.end_date,
        "uuid": entry.uuid,
        "success": int(entry.success),
    }


@api_command()
def get_newsletter_log(request, params):
    """Get the data on the Tautulli newsletter logs table.

    Optional parameters: order_column (str): "timestamp" (default, newest first),
    "newsletter_id", "agent_name", "notify_action", "subject_text", "body_text", "start_date",
    "end_date", "uuid"; order_dir (str): "desc" or "asc"; start (int): row to start from, 0;
    length (int): number of items to return, 25; search (str): a string to search for in the
    agent, action, subject, body, dates or uuid; json_data (str): a DataTables request instead
    of the simple parameters.

    Returns: json: {"draw": 1, "recordsTotal": 1039, "recordsFiltered": 163,
    "data": [{"id": 7, "timestamp": 1462253821, "newsletter_id": 1, "agent_id": 0,
    "agent_name": "recently_added", "notify_action": "on_cron",
    "subject_text": "Recently Added to Plex (Winterfell-Server)! (2018-03-18)",
    "body_text": "View the newsletter here: https://example.com/newsletter/7fe4g65i",
    "start_date": "2018-03-05", "end_date": "2018-03-18", "uuid": "7fe4g65i", "success": 1},
    ...]}

    Entries with the same timestamp come in id order, as in Tautulli.
    """
    return queryset_table(
        params,
        NewsletterLog.objects.all(),
        order=LOG_ORDER,
        search_fields=LOG_SEARCH,
        default_column="timestamp",
        row=log_row,
    )
