"""One newsletter run: gather what was added, render it, keep the hosted copy, deliver it.

Tautulli's order (``newsletter_handler.notify`` and ``Newsletter.send``, reference section 5):
the log row is written first (``success`` 0), the newsletter is rendered, nothing is sent when
nothing was added, ``save_only`` stops after the hosted copy, then the newsletter is delivered:

* ``formatted`` on: an HTML e-mail (with a plain-text part) through Django's e-mail framework,
  with the newsletter's own SMTP settings, or those of the Email notifier chosen in
  ``email_config.notifier_id``; threaded (``In-Reply-To`` the last successful run's
  ``Message-ID``) when ``threaded`` is on;
* ``formatted`` off: the subject and body (which links to the hosted copy) through the notifier
  ``config.notifier_id``, any agent.

A delivery that fails for a reason that may pass (the mail server unreachable) is tried again
after ``settings.NOTIFY_RETRY_DELAYS`` seconds, as notifications are; the run's log row says why
it failed until one attempt succeeds.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid as uuid_module
from dataclasses import dataclass
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.html import escape
from django_q.models import Schedule
from django_q.tasks import schedule

from core import clock
from notifications.models import Notifier
from plex.client import PlexUnavailable
from plex.newsletter_content import recently_added_between
from servers.models import Server

from .config import full_config, selected_libraries
from .models import Newsletter, NewsletterLog
from .parameters import newsletter_window
from .render import render_newsletter

logger = logging.getLogger(__name__)

EMAIL_AGENT_ID = 10  # notifications.agents.apprise_agents.Email
SMTP_TIMEOUT = 30  # seconds
MESSAGE_ID_DOMAIN = "newsletter.local"  # not the host's name: it may be private
CONTENT_KINDS = ("movie", "show", "artist", "other_video")


class NewsletterError(Exception):
    """A run that cannot go on, with one readable line (no secret in it).
    ``retryable``: the cause may pass (a server down), so trying again later may work."""

    def __init__(self, reason: str, *, retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class NewsletterRun:
    """What a run did: ``log`` (None when nothing was added: no row, as nothing was sent),
    ``sent`` (delivered, or saved when ``save_only``), ``message`` (one line for a person)."""

    log: NewsletterLog | None
    sent: bool
    message: str


def gather_contents(newsletter: Newsletter, start, end) -> list[dict]:
    """The recently added content of each server the newsletter covers, between ``start`` and
    ``end`` (aware datetimes): :func:`plex.newsletter_content.recently_added_between`'s dicts,
    one per server with libraries chosen. Raises :class:`NewsletterError` when a server cannot
    be read (the run fails rather than send a partial newsletter)."""
    contents = []
    chosen = selected_libraries(newsletter)
    servers = Server.objects.in_bulk(list(chosen))
    for server_id, section_ids in chosen.items():
        server = servers.get(server_id)
        if server is None or not section_ids:
            continue
        try:
            contents.append(
                recently_added_between(
                    server, section_ids, int(start.timestamp()), int(end.timestamp())
                )
            )
        except PlexUnavailable as exc:
            raise NewsletterError(f"{server.name}: {exc}", retryable=True) from None
    return contents


def has_items(contents: list[dict]) -> bool:
    """True when any server's content lists an item (Tautulli's ``_has_data``)."""
    return any(content.get(kind) for content in contents for kind in CONTENT_KINDS)


def preview_newsletter(newsletter: Newsletter) -> tuple[str | None, str]:
    """The next run rendered from live data, for the admin: ``(html, message)``; ``html`` is
    None when there is nothing to show, and ``message`` says why (no library, nothing added,
    a server down, a malformed text). Writes nothing."""
    try:
        start, end = newsletter_window(newsletter, clock.now())
        if not selected_libraries(newsletter):
            return None, "No libraries are selected in the newsletter."
        contents = gather_contents(newsletter, start, end)
        if not has_items(contents):
            return None, "Nothing was added in the time frame: the next run would send nothing."
        rendered = render_newsletter(newsletter, contents, uuid="preview", preview=True)
    except NewsletterError as exc:
        return None, exc.reason
    except ValueError as exc:  # a bad time frame, text or custom template
        return None, str(exc)
    return rendered.html, f"Subject: {rendered.subject}"


def run_newsletter(
    newsletter: Newsletter,
    notify_action: str = "on_cron",
    *,
    subject: str | None = None,
    body: str | None = None,
    message: str | None = None,
) -> NewsletterRun:
    """Run ``newsletter`` once (the cron schedule: ``on_cron``; ``notify_newsletter``: ``api``;
    the admin's button: ``test``). ``subject``/``body``/``message`` replace the newsletter's
    texts for this run (Tautulli allows it for ``test`` and ``api``).

    Never raises for a failed run: the failure is the log row's ``error`` and the returned
    message."""
    now = clock.now()
    try:
        start, end = newsletter_window(newsletter, now)
    except ValueError as exc:  # a bad time frame in the stored configuration
        start = end = now
        bad_window = str(exc)
    else:
        bad_window = ""
    texts = {"subject": subject, "body": body, "message": message}
    if notify_action not in ("test", "api"):
        texts = {}
    overrides = {name: value for name, value in texts.items() if value}
    run_uuid = uuid_module.uuid4().hex[:8]
    log = NewsletterLog(
        timestamp=now,
        newsletter_id=newsletter.pk,
        agent_id=newsletter.agent_id,
        agent_name=newsletter.agent_name,
        notify_action=notify_action,
        start_date=timezone.localtime(start).date().isoformat(),
        end_date=timezone.localtime(end).date().isoformat(),
        start_time=int(start.timestamp()),
        end_time=int(end.timestamp()),
        uuid=run_uuid,
        email_msg_id=make_msgid(domain=MESSAGE_ID_DOMAIN),
    )
    if bad_window:
        return _failed(log, bad_window)
    if not selected_libraries(newsletter):
        text = "No libraries are selected in the newsletter: nothing was sent."
        return NewsletterRun(None, False, text)
    try:
        contents = gather_contents(newsletter, start, end)
    except NewsletterError as exc:
        return _failed(log, exc.reason)
    if not has_items(contents):
        name = newsletter.friendly_name or newsletter.id_name
        text = f"Nothing was added in the time frame: newsletter {name!r} was not sent."
        logger.info(text)
        return NewsletterRun(None, False, text)
    try:
        rendered = render_newsletter(
            _with_texts(newsletter, overrides), contents, uuid=run_uuid, preview=False
        )
    except ValueError as exc:  # a malformed text or custom template: the reason is readable
        return _failed(log, str(exc))
    config = full_config(newsletter)
    log.subject_text = rendered.subject
    log.body_text = rendered.body
    log.message_text = rendered.message
    log.filename = (
        (config["config"].get("filename") or "newsletter_{uuid}.html")
        .replace("{newsletter_uuid}", run_uuid)
        .replace("{uuid}", run_uuid)
    )
    log.html = rendered.html
    log.text = rendered.text
    log.save()
    if config["config"].get("save_only"):
        _succeeded(log)
        return NewsletterRun(log, True, "The newsletter was saved (save only): not sent.")
    return deliver(log.pk)


def deliver(log_id: int, attempt: int = 1) -> NewsletterRun:
    """Task: deliver the rendered run ``log_id`` (attempt ``attempt``, from 1) as its
    newsletter says; a retryable failure schedules the next attempt."""
    log = NewsletterLog.objects.filter(pk=log_id).first()
    if log is None or log.success:
        return NewsletterRun(log, bool(log and log.success), "nothing to do")
    newsletter = Newsletter.objects.filter(pk=log.newsletter_id).first()
    if newsletter is None:
        return _failed(log, "The newsletter was deleted.")
    try:
        _deliver(newsletter, log)
    except NewsletterError as exc:
        delays = settings.NOTIFY_RETRY_DELAYS
        if exc.retryable and attempt <= len(delays):
            schedule(
                "newsletters.send.deliver",
                log.pk,
                attempt + 1,
                name=f"Retry newsletter run {log.pk} (attempt {attempt + 1})",
                schedule_type=Schedule.ONCE,
                repeats=-1,
                next_run=timezone.now() + dt.timedelta(seconds=delays[attempt - 1]),
            )
            return _failed(log, f"{exc.reason} (will try again)")
        return _failed(log, exc.reason)
    _succeeded(log)
    return NewsletterRun(log, True, "The newsletter was sent.")


def _deliver(newsletter: Newsletter, log: NewsletterLog) -> None:
    config = full_config(newsletter)
    options = config["config"]
    if options.get("formatted", 1):
        send_email(
            email_config_for_sending(newsletter),
            subject=log.subject_text or "",
            html=log.html,
            text=log.text or "",
            message_id=log.email_msg_id,
            reply_to=last_message_id(log) if options.get("threaded") else None,
        )
        return
    send_through_notifier(options.get("notifier_id"), log)


def last_message_id(log: NewsletterLog) -> str | None:
    """The ``Message-ID`` of the newsletter's last successful run with the same action
    (Tautulli's ``get_last_newsletter_email_msg_id``), for ``In-Reply-To``."""
    previous = (
        NewsletterLog.objects.filter(
            newsletter_id=log.newsletter_id, notify_action=log.notify_action, success=True
        )
        .exclude(pk=log.pk)
        .order_by("-timestamp", "-pk")
        .values_list("email_msg_id", flat=True)
        .first()
    )
    return previous or None


def send_email(
    email_config: dict,
    *,
    subject: str,
    html: str,
    text: str,
    message_id: str | None = None,
    reply_to: str | None = None,
) -> None:
    """Send an HTML e-mail with its plain-text part by SMTP with ``email_config`` (Tautulli's
    keys: from_name, from, to, cc, bcc, smtp_server, smtp_port, smtp_user, smtp_password, tls
    0 none / 1 STARTTLS / 2 SSL/TLS); ``message_id``/``reply_to`` set ``Message-ID`` and
    ``In-Reply-To``/``References``. Raises :class:`NewsletterError`; the password never
    appears in its reason."""
    recipients = [*_addresses(email_config.get("to")), *_addresses(email_config.get("cc"))]
    bcc = _addresses(email_config.get("bcc"))
    host = (email_config.get("smtp_server") or "").strip()
    if not host:
        raise NewsletterError("No SMTP server is set in the newsletter's e-mail settings.")
    if not email_config.get("from") or not (recipients or bcc):
        raise NewsletterError("The newsletter's e-mail needs a From address and a recipient.")
    tls = int(email_config.get("tls") or 0)
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=host,
        port=int(email_config.get("smtp_port") or 25),
        username=email_config.get("smtp_user") or "",
        password=email_config.get("smtp_password") or "",
        use_tls=tls == 1,
        use_ssl=tls == 2,
        timeout=SMTP_TIMEOUT,
    )
    headers = {"Message-ID": message_id or make_msgid(domain=MESSAGE_ID_DOMAIN)}
    if reply_to:
        headers.update({"In-Reply-To": reply_to, "References": reply_to})
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((email_config.get("from_name") or "", email_config["from"])),
        to=_addresses(email_config.get("to")),
        cc=_addresses(email_config.get("cc")),
        bcc=bcc,
        connection=connection,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    where = f"{host}:{email_config.get('smtp_port')}"
    try:
        message.send()
    except smtplib.SMTPAuthenticationError:
        raise NewsletterError(f"The mail server {where} refused the login.") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise NewsletterError(f"The mail server {where} refused {refused}.") from None
    except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, unreachable, timeout
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise NewsletterError(
            f"Could not send by e-mail through {where}: {reason}.", retryable=True
        ) from None


def send_test_email(newsletter: Newsletter) -> None:
    """A short test message through the newsletter's e-mail settings (the admin's "send test
    e-mail"): nothing rendered, nothing logged. Raises :class:`NewsletterError`."""
    name = newsletter.friendly_name or newsletter.id_name
    text = f"This is a test e-mail from newsletter {name!r}: its e-mail settings work."
    send_email(
        email_config_for_sending(newsletter),
        subject=f"Test e-mail: {name}",
        html=f"<p>{escape(text)}</p>",
        text=text,
    )


def email_config_for_sending(newsletter: Newsletter) -> dict:
    """The newsletter's e-mail settings, or those of the Email notifier it names
    (``email_config.notifier_id``). Raises :class:`NewsletterError` when that notifier is not
    an Email notifier."""
    email_config = full_config(newsletter)["email_config"]
    notifier_id = email_config.get("notifier_id")
    if notifier_id:
        notifier = Notifier.objects.filter(pk=notifier_id).first()
        if notifier is None or notifier.agent_id != EMAIL_AGENT_ID:
            raise NewsletterError(f"Notifier {notifier_id} is not an Email notifier.")
        email_config = {**email_config, **(notifier.config or {})}
    return email_config


def send_through_notifier(notifier_id, log: NewsletterLog) -> None:
    """Deliver run ``log``'s subject and body (a link to the hosted copy) through notifier
    ``notifier_id`` (Tautulli's unformatted newsletter). Raises :class:`NewsletterError`."""
    from notifications.delivery import send_now

    notifier = Notifier.objects.filter(pk=notifier_id or 0).first()
    if notifier is None:
        raise NewsletterError("Choose a notifier for a newsletter that is not sent as e-mail.")
    _, success, message = send_now(
        notifier, log.notify_action or "api", subject=log.subject_text, body=log.body_text
    )
    if not success:
        raise NewsletterError(f"{notifier}: {message}", retryable=True)


def _addresses(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    return [address.strip() for address in value or [] if address and address.strip()]


def _with_texts(newsletter: Newsletter, overrides: dict) -> Newsletter:
    if not overrides:
        return newsletter
    copy = Newsletter.objects.get(pk=newsletter.pk)
    for name, value in overrides.items():
        setattr(copy, name, value)
    return copy


def _failed(log: NewsletterLog, reason: str) -> NewsletterRun:
    log.success = False
    log.error = reason
    log.save()
    logger.warning("Newsletter %s (run %s) failed: %s", log.newsletter_id, log.uuid, reason)
    return NewsletterRun(log, False, reason)


def _succeeded(log: NewsletterLog) -> None:
    NewsletterLog.objects.filter(pk=log.pk).update(success=True, error="")
    log.success, log.error = True, ""
