"""Notifiers imported from a Tautulli database work unchanged: their agent, options, texts and
conditions map onto ours (the generated database has a Discord and an e-mail notifier)."""

import pytest

from core.events import Action
from notifications.agents import agent_by_id
from notifications.conditions import evaluate
from notifications.delivery import send_now
from notifications.models import Notifier, NotifyLog
from notifications.notifiers import notifier_config
from notifications.parameters import PARAMETER_TYPES
from notifications.text import HTML_KEEP, render

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def imported(imported_tautulli):
    imported_tautulli(history_rows=200, users=4)
    return {notifier.agent_name: notifier for notifier in Notifier.objects.all()}


def test_imported_discord_notifier_keeps_its_options_texts_and_conditions(imported):
    discord = imported["discord"]
    agent = agent_by_id(discord.agent_id)
    (url,) = agent.apprise_urls(discord.config)
    hook = discord.config["hook"].split("/webhooks/")[1]
    assert url.startswith(f"discord://Tautulli@{hook}/")
    config = notifier_config(discord)
    assert config["actions"][Action.PLAY] == 1
    assert hook.split("/")[1] not in str(config)  # the webhook token stays secret
    play = discord.triggers.get(action=Action.PLAY)
    parameters = {
        "user": "alice",
        "player": "TV",
        "product": "Plex for LG",
        "title": "Dune",
        "quality_profile": "Original",
        "transcode_decision": "Direct Play",
        "media_type": "movie",
        "progress_percent": 10,
    }
    rendered = render(
        play.subject, play.body, parameters, action=Action.PLAY, html_policy=HTML_KEEP
    )
    assert rendered.subject == "▶️ alice started Dune"
    assert rendered.body.startswith("alice (TV, Plex for LG) started playing Dune")
    conditions = (discord.custom_conditions, discord.custom_conditions_logic)
    assert evaluate(*conditions, parameters, parameter_types=PARAMETER_TYPES)
    assert not evaluate(
        *conditions, {**parameters, "user": "Local"}, parameter_types=PARAMETER_TYPES
    )


def test_imported_email_notifier_delivers_through_an_smtp_server(imported, smtp_receiver):
    email = imported["email"]
    # Only where it sends changes: a local relay without TLS or a login.
    email.config.update(
        smtp_server=smtp_receiver.host,
        smtp_port=smtp_receiver.port,
        tls=0,
        smtp_user="",
        smtp_password="",
    )
    email.save()
    log, success, message = send_now(email, "test", subject="Tautulli", body="<b>Hello</b>")
    assert success, message
    (mail,) = smtp_receiver.wait_for(1)
    assert mail.subject == "Tautulli"
    assert set(mail.rcpt_tos) == {"owner@example.com", "backup@example.com"}
    assert "backup@example.com" not in str(mail.message["To"] or "")
    assert NotifyLog.objects.get(pk=log.pk).success
