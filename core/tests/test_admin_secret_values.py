"""Secrets are masked by value too, not only by key name: passwords in URLs, Authorization
values, apprise URLs with a token in the path; an unchanged form keeps every stored secret."""

import json

import pytest
from django.urls import reverse
from model_bakery import baker

from core.admin_kit.secrets import MASK, mask_secrets, restore_masked
from notifications.models import Notifier, NotifierTrigger

pytestmark = pytest.mark.django_db

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
CONFIG = {
    "hosts": "mailtos://alerts:Sm7p-PASSWORD@mail.example.com?to=me@example.com",
    "headers": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.JWT-SECRET", "X-Trace": "on"},
    "extra": "Basic dXNlcjpCQVNJQy1TRUNSRVQ=",
    "apprise_urls": [
        "discord://112233445566778899/Zx9fQwErTy12UiOp34AsDf56GhJk78",
        f"tgram://{BOT_TOKEN}/-100200300",
        "json://ops:JSON-PASSWORD@hooks.example.com/notify",
    ],
    "body": "Plex: {title} on https://app.plex.tv/desktop",
    "discord_color": "",
}
SECRETS = (
    "Sm7p-PASSWORD",
    "JWT-SECRET",
    "dXNlcjpCQVNJQy1TRUNSRVQ=",
    "Zx9fQwErTy12UiOp34AsDf56GhJk78",
    BOT_TOKEN.split(":")[1],
    "JSON-PASSWORD",
)


def test_secret_values_are_masked_whatever_their_key():
    masked = mask_secrets(CONFIG)
    text = json.dumps(masked)
    assert not [secret for secret in SECRETS if secret in text]
    assert masked["hosts"] == f"mailtos://alerts:{MASK}@mail.example.com?to=me@example.com"
    assert masked["headers"] == {"Authorization": MASK, "X-Trace": "on"}
    assert masked["extra"] == f"Basic {MASK}"
    assert masked["apprise_urls"] == [
        f"discord://112233445566778899/{MASK}",
        f"tgram://123456789:{MASK}/-100200300",
        f"json://ops:{MASK}@hooks.example.com/notify",
    ]
    assert masked["body"] == CONFIG["body"]  # no secret: shown as is
    assert restore_masked(masked, CONFIG) == CONFIG


def test_the_rest_of_a_masked_url_can_be_edited():
    masked = mask_secrets(CONFIG)
    masked["hosts"] = masked["hosts"].replace("mail.example.com", "smtp.example.org")
    restored = restore_masked(masked, CONFIG)
    assert restored["hosts"] == "mailtos://alerts:Sm7p-PASSWORD@smtp.example.org?to=me@example.com"


@pytest.fixture
def notifier():
    notifier = baker.make(
        Notifier, friendly_name="Ops", agent_id=25, agent_name="apprise", config=CONFIG
    )
    baker.make(NotifierTrigger, notifier=notifier, action="on_play", enabled=True, subject="s")
    return notifier


def _form_data(notifier, config_text: str) -> dict:
    trigger = notifier.triggers.get()
    return {
        "friendly_name": "Ops team",
        "agent_id": "25",
        "agent_name": "apprise",
        "agent_label": "Apprise",
        "config": config_text,
        "custom_conditions": "[]",
        "custom_conditions_logic": "",
        "triggers-TOTAL_FORMS": "1",
        "triggers-INITIAL_FORMS": "1",
        "triggers-MIN_NUM_FORMS": "0",
        "triggers-MAX_NUM_FORMS": "1000",
        "triggers-0-id": str(trigger.pk),
        "triggers-0-notifier": str(notifier.pk),
        "triggers-0-action": "on_play",
        "triggers-0-enabled": "on",
        "triggers-0-subject": "s",
        "triggers-0-body": "",
    }


def test_the_change_page_shows_no_secret_and_saving_keeps_them(admin_client, notifier):
    url = reverse("admin:notifications_notifier_change", args=[notifier.pk])
    response = admin_client.get(url)
    html = response.content.decode()
    assert not [secret for secret in SECRETS if secret in html]
    assert "mailtos://alerts:" in html and "discord://112233445566778899/" in html

    shown = response.context["adminform"].form["config"].value()
    response = admin_client.post(url, _form_data(notifier, shown))
    assert response.status_code == 302, response.content.decode()[:2000]
    notifier.refresh_from_db()
    assert notifier.friendly_name == "Ops team" and notifier.config == CONFIG


def test_a_mangled_mask_is_refused_not_saved(admin_client, notifier):
    url = reverse("admin:notifications_notifier_change", args=[notifier.pk])
    shown = admin_client.get(url).context["adminform"].form["config"].value()
    mangled = shown.replace(f"json://ops:{MASK}@", f"json://ops:{MASK}{MASK}@")
    response = admin_client.post(url, _form_data(notifier, mangled))
    assert response.status_code == 200
    assert "no longer match the stored value" in response.content.decode()
    notifier.refresh_from_db()
    assert notifier.config == CONFIG
