"""/api/v2 newsletter commands (reference 1.2 "Newsletters", 5): list, describe, add, change and
delete newsletters; their log; ``delete_hosted_images``.

Shapes and messages are Tautulli's (captures in ``tautulli-dart/newsletter/``). The SMTP
password never leaves: answers show Tautulli's mask (four spaces) when one is stored, and a
mask or an empty value sent back keeps it (:mod:`newsletters.config`). ``notify_newsletter`` is
the sending side's (``newsletters.send``).
"""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Lower

from core.tautulli_api import ApiError, EncodedJSON, api_command
from core.tautulli_api.datatables import queryset_table
from core.timeutils import to_epoch

from . import config as nl_config
from .models import Newsletter, NewsletterLog
from .send import run_newsletter

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


# -- newsletters ------------------------------------------------------------------------------


def _newsletter(params) -> Newsletter:
    newsletter_id = params.int("newsletter_id", required=True, minimum=1)
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if newsletter is None:
        raise ApiError(f"Invalid newsletter_id {newsletter_id}.")
    return newsletter


def _agent_id(params, failure: str) -> int:
    agent_id = params.int("agent_id", required=True)
    if agent_id != nl_config.AGENT_ID:
        raise ApiError(
            f"{failure} agent_id {agent_id} is not a newsletter agent "
            f"(the only one is {nl_config.AGENT_ID}, {nl_config.AGENT_LABEL})."
        )
    return agent_id


def newsletter_list() -> list[dict]:
    """``get_newsletters``: ``[{id, agent_id, agent_name, agent_label, friendly_name, cron,
    active (0/1), last_triggered (epoch s of the latest log row, or None), last_success (its
    success 0/1, or None)}]`` in id order. One query."""
    latest = NewsletterLog.objects.filter(newsletter_id=OuterRef("pk")).order_by(
        "-timestamp", "-id"
    )
    newsletters = Newsletter.objects.annotate(
        last_triggered=Subquery(latest.values("timestamp")[:1]),
        last_success=Subquery(latest.values("success")[:1]),
    ).order_by("id")
    return [
        {
            "id": newsletter.pk,
            "agent_id": newsletter.agent_id,
            "agent_name": newsletter.agent_name,
            "agent_label": newsletter.agent_label,
            "friendly_name": newsletter.friendly_name or "",
            "cron": newsletter.cron,
            "active": int(newsletter.active),
            "last_triggered": to_epoch(newsletter.last_triggered),
            "last_success": None
            if newsletter.last_success is None
            else int(newsletter.last_success),
        }
        for newsletter in newsletters
    ]


def newsletter_config(newsletter: Newsletter) -> dict:
    """``get_newsletter_config``: the newsletter, its ``config`` and ``email_config`` over
    Tautulli's defaults (the password masked), ``config_options`` and
    ``email_config_options``, in the capture's key order. Empty subject/body show Tautulli's
    defaults."""
    return {
        "id": newsletter.pk,
        "agent_id": newsletter.agent_id,
        "agent_name": newsletter.agent_name,
        "agent_label": newsletter.agent_label,
        "id_name": newsletter.id_name or "",
        "friendly_name": newsletter.friendly_name or "",
        "cron": newsletter.cron,
        "active": int(newsletter.active),
        "subject": newsletter.subject or nl_config.DEFAULT_SUBJECT,
        "body": newsletter.body or nl_config.DEFAULT_BODY,
        "message": newsletter.message or nl_config.DEFAULT_MESSAGE,
        "config": nl_config.config_of(newsletter),
        "email_config": nl_config.shown_email_config(newsletter),
        "config_options": nl_config.config_options(newsletter),
        "email_config_options": nl_config.email_config_options(newsletter),
    }


@api_command()
def get_newsletters(request, params):
    """Get a list of configured newsletters.

    Returns: json: [{"id": 1, "agent_id": 0, "agent_name": "recently_added",
    "agent_label": "Recently Added", "friendly_name": "", "cron": "0 0 * * 1", "active": 1,
    "last_triggered": 1783177200, "last_success": 1}, ...] (``last_triggered`` epoch seconds of
    the latest run, None with ``last_success`` when it never ran).
    """
    return newsletter_list()


@api_command()
def get_newsletter_config(request, params):
    """Get the configuration for an existing newsletter.

    Required parameters: newsletter_id (int): the newsletter.

    Returns: json: {"id": 1, "agent_id": 0, "agent_name": "recently_added",
    "agent_label": "Recently Added", "id_name": "", "friendly_name": "", "cron": "0 0 * * 0",
    "active": 1, "subject": "Recently Added to {server_name}! ({end_date})",
    "body": "View the newsletter here: {newsletter_url}", "message": "",
    "config": {"custom_cron": 0, "time_frame": 7, "time_frame_units": "days", "formatted": 1,
    "threaded": 0, "notifier_id": 0, "filename": "", "save_only": 0, "incl_libraries": ["1"]},
    "email_config": {"from_name": "Tautulli Newsletter", ..., "smtp_password": "    ", ...},
    "config_options": [{...}], "email_config_options": [{...}, ...]}. A stored SMTP password
    shows as four spaces, never its value.
    """
    # Encoded here: a data dict with a "message" key would be lifted into the envelope.
    return EncodedJSON(json.dumps(newsletter_config(_newsletter(params)), ensure_ascii=False))


@api_command()
def add_newsletter_config(request, params):
    """Add a new newsletter (inactive, Tautulli's default config and texts, cron "0 0 * * 0").

    Required parameters: agent_id (int): the newsletter type: 0, Recently Added (the only one).

    Returns: json: {"newsletter_id": 3}, message "Added newsletter."
    """
    _agent_id(params, "Failed to add newsletter:")
    newsletter = Newsletter.objects.create(
        agent_id=nl_config.AGENT_ID,
        agent_name=nl_config.AGENT_NAME,
        agent_label=nl_config.AGENT_LABEL,
        id_name="",
        friendly_name="",
        config=dict(nl_config.DEFAULT_CONFIG),
        email_config=dict(nl_config.DEFAULT_EMAIL_CONFIG),
        subject=nl_config.DEFAULT_SUBJECT,
        body=nl_config.DEFAULT_BODY,
        message=nl_config.DEFAULT_MESSAGE,
        cron=nl_config.DEFAULT_CRON,
        active=False,
    )
    return {"message": "Added newsletter.", "newsletter_id": newsletter.pk}


REQUIRED_TEXTS = ("subject", "body", "message")
CONFIG_PREFIX = "newsletter_config_"
EMAIL_PREFIX = "newsletter_email_"


def apply_form(newsletter: Newsletter, values: dict) -> Newsletter:
    """Apply Tautulli's form fields to ``newsletter`` and save it (its schedule follows).

    ``values``: ``newsletter_config_<key>`` and ``newsletter_email_<key>`` (lists as
    comma-separated text; the password sent back as the mask or empty is kept), ``cron``,
    ``active`` (0/1), ``subject``, ``body``, ``message``, ``id_name``, ``friendly_name``.
    Fields not given keep their stored value (Tautulli resets a missing config key to its
    default and a missing cron fails). Everything is checked first
    (:func:`newsletters.config.validate_newsletter`, the libraries against the picker): an
    :class:`ApiError` changes nothing.
    """
    config = {**nl_config.config_of(newsletter)}
    email = {**nl_config.email_config_of(newsletter)}
    stored_email = dict(email)
    email["smtp_password"] = None  # kept unless a new one is given
    given_config = {
        k[len(CONFIG_PREFIX) :]: v for k, v in values.items() if k.startswith(CONFIG_PREFIX)
    }
    given_email = {
        k[len(EMAIL_PREFIX) :]: v for k, v in values.items() if k.startswith(EMAIL_PREFIX)
    }
    unknown = [CONFIG_PREFIX + k for k in given_config if k not in nl_config.DEFAULT_CONFIG] + [
        EMAIL_PREFIX + k for k in given_email if k not in nl_config.DEFAULT_EMAIL_CONFIG
    ]
    if unknown:
        raise ApiError(f"Failed to save newsletter: unknown parameter {', '.join(unknown)}.")
    config.update(given_config)
    email.update(given_email)
    cron = values.get("cron", newsletter.cron)
    try:
        if "incl_libraries" in given_config:
            nl_config.clean_libraries(given_config["incl_libraries"])
        cron, config, email = nl_config.validate_newsletter(cron, config, email, stored_email)
    except ValidationError as exc:
        raise ApiError(f"Failed to save newsletter: {nl_config.validation_message(exc)}") from None
    if "active" in values:
        active = str(values["active"]).strip().lower()
        if active not in ("0", "1", "true", "false", ""):
            raise ApiError(
                f"Failed to save newsletter: active must be 0 or 1, got {values['active']!r}."
            )
        newsletter.active = active in ("1", "true")
    for key in ("id_name", "friendly_name"):
        if key in values:
            value = str(values[key]).strip()
            if any(ord(c) < 32 for c in value):
                raise ApiError(
                    f"Failed to save newsletter: {key} must not contain control characters."
                )
            setattr(newsletter, key, value)
    newsletter.subject = values.get("subject") or nl_config.DEFAULT_SUBJECT
    newsletter.body = values.get("body") or nl_config.DEFAULT_BODY
    newsletter.message = values.get("message") or ""
    newsletter.cron = cron
    newsletter.config = config
    newsletter.email_config = email
    with transaction.atomic():
        newsletter.save()
    return newsletter


@api_command()
def set_newsletter_config(request, params):
    """Configure an existing newsletter.

    Required parameters: newsletter_id (int), agent_id (int, 0): the newsletter and its type;
    subject, body, message (str; empty subject or body: Tautulli's default text), as
    Tautulli requires them.

    Optional parameters: the config options as newsletter_config_<key> (custom_cron,
    time_frame, time_frame_units "hours"/"days"/"months", formatted, threaded, notifier_id,
    filename, save_only, incl_libraries: comma-separated values of config_options) and
    newsletter_email_<key> (from_name, from, to, cc, bcc: comma-separated addresses,
    smtp_server, smtp_port, smtp_user, smtp_password: four spaces or empty keeps the stored one,
    tls 0 none / 1 STARTTLS / 2 SSL, html_support, notifier_id: an Email notifier or 0);
    cron (str, 5-field crontab); active (0 or 1); id_name (str); friendly_name (str). Options
    not given keep their value.

    Returns: message "Saved newsletter."; a bad value (cron, address, port...) is an error
    naming it, and nothing is changed.
    """
    newsletter = _newsletter(params)
    _agent_id(params, "Failed to save newsletter:")
    missing = [key for key in REQUIRED_TEXTS if key not in params]
    if missing:
        raise ApiError(
            f"Failed to save newsletter: parameters {', '.join(missing)} are required "
            "(subject, body and message, as Tautulli's form sends them)."
        )
    apply_form(newsletter, params.without("newsletter_id", "agent_id").as_dict())
    return {"message": "Saved newsletter."}


@api_command()
def delete_newsletter(request, params):
    """Remove a newsletter from the database (its schedule goes with it; its log stays).

    Required parameters: newsletter_id (int).

    Returns: message "Newsletter deleted successfully."
    """
    _newsletter(params).delete()
    return {"message": "Newsletter deleted successfully."}


@api_command()
def delete_newsletter_log(request, params):
    """Delete the Tautulli newsletter logs (every row, with their hosted copies).

    Returns: message "Cleared newsletter logs."
    """
    NewsletterLog.objects.all().delete()
    return {"message": "Cleared newsletter logs."}


@api_command()
def delete_hosted_images(request, params):
    """Delete the images uploaded to image hosting services.

    Optional parameters: rating_key (int), service (str: "imgur" or "cloudinary"),
    delete_all (bool): accepted as Tautulli's.

    Returns: message "No hosted images to delete: ...". Nothing is ever uploaded here: the
    newsletter's and notifications' images are served by this server (``/newsletter/image/``),
    so there is nothing at an image host to delete.
    """
    params.int("rating_key", minimum=1)
    service = (params.str("service") or "").lower()
    if service not in ("", "imgur", "cloudinary"):
        raise ApiError(f"Parameter service must be imgur or cloudinary, got {service!r}")
    params.bool("delete_all")
    return {
        "message": "No hosted images to delete: images are served by this server, "
        "never uploaded to Imgur or Cloudinary."
    }


@api_command()
def notify_newsletter(request, params):
    """Send a newsletter now (the newsletter log's action "api"), as its schedule would.

    Required parameters: newsletter_id (int).

    Optional parameters: subject (str), body (str), message (str): replace the newsletter's
    texts for this run.

    Returns: json: {"newsletter_notification_id": 1} (the newsletter log row), message
    "Newsletter sent."; when the run fails or nothing was added in its time frame, the error
    "Newsletter failed: <why>." (Tautulli says only "Newsletter failed.").
    """
    newsletter_id = params.int("newsletter_id", minimum=1)
    if newsletter_id is None:
        return {"result": "error", "message": "Newsletter failed: no newsletter id provided."}
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if newsletter is None:
        return {
            "result": "error",
            "message": f"Newsletter failed: invalid newsletter_id provided {newsletter_id}.",
        }
    run = run_newsletter(
        newsletter,
        "api",
        subject=params.str("subject", ""),
        body=params.str("body", ""),
        message=params.str("message", ""),
    )
    if not run.sent:
        return {"result": "error", "message": f"Newsletter failed: {run.message.rstrip('.')}."}
    return {"message": "Newsletter sent.", "newsletter_notification_id": run.log.pk}
