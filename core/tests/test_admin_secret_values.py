"""Secrets are masked by value too, not only by key name: passwords in URLs, Authorization
values, apprise URLs with a token in the path; an unchanged form keeps every stored secret."""

import json

import pytest
from django import forms
from django.urls import reverse

from core.admin_kit.secrets import MASK, mask_secrets, restore_masked
from notifications.notifiers import add_notifier, set_notifier_config

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


URLS = "\n".join(
    [
        "discord://112233445566778899/Zx9fQwErTy12UiOp34AsDf56GhJk78",
        f"tgram://{BOT_TOKEN}/-100200300",
        "json://ops:JSON-PASSWORD@hooks.example.com/notify",
    ]
)
SMTP_SERVER = "smtp://alerts:Sm7p-PASSWORD@mail.example.com"


def _form_data(form) -> dict:
    return {
        name: form[name].value() or ""
        for name, field in form.fields.items()
        if not isinstance(field.widget, forms.CheckboxInput) or form[name].value()
    }


@pytest.fixture
def apprise():
    """An Apprise URL notifier (agent 100): its ``urls`` option is a secret (write-only)."""
    notifier = add_notifier(100)
    return set_notifier_config(notifier, {"apprise_urls": URLS, "friendly_name": "Ops"})


@pytest.fixture
def email():
    """An email notifier whose (non-secret) server option holds a password in its URL."""
    notifier = add_notifier(10)
    return set_notifier_config(notifier, {"email_smtp_server": SMTP_SERVER})


def test_the_change_page_shows_no_secret_and_saving_keeps_them(admin_client, apprise, email):
    for notifier in (apprise, email):
        url = reverse("admin:notifications_notifier_change", args=[notifier.pk])
        response = admin_client.get(url)
        html = response.content.decode()
        assert not [secret for secret in SECRETS if secret in html]
        data = _form_data(response.context["adminform"].form)
        response = admin_client.post(url, {**data, "friendly_name": "Ops team"})
        assert response.status_code == 302, response.content.decode()[:2000]
    apprise.refresh_from_db()
    email.refresh_from_db()
    assert apprise.friendly_name == "Ops team" and apprise.config["urls"] == URLS
    assert email.config["smtp_server"] == SMTP_SERVER


def test_a_mangled_mask_is_refused_not_saved(admin_client, email):
    url = reverse("admin:notifications_notifier_change", args=[email.pk])
    data = _form_data(admin_client.get(url).context["adminform"].form)
    assert data["email_smtp_server"] == f"smtp://alerts:{MASK}@mail.example.com"
    data["email_smtp_server"] = f"smtp://alerts:{MASK}{MASK}@mail.example.com"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "no longer match the stored value" in response.content.decode()
    email.refresh_from_db()
    assert email.config["smtp_server"] == SMTP_SERVER
