"""Admin logins are throttled (django-axes): after 5 wrong passwords for one username from one
address, the right password is refused with a message saying so, until ``axes_reset``."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)


def _login(client, password, username="boss", address="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_until_axes_reset(client, admin_user):
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "wrong").status_code == 429

    response = _login(client, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed logins" in page and "axes_reset" in page
    assert 'id="login-form"' in page  # the login page itself, not a bare text answer
    assert client.get("/admin/").status_code == 302  # not logged in

    call_command("axes_reset")
    response = _login(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_lock_is_per_username_and_address(client, admin_user):
    for _ in range(5):
        _login(client, "wrong")
    assert _login(client, PASSWORD, address="192.0.2.99").status_code == 302
    assert _login(client, "wrong", username="someone-else").status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_lock(client, admin_user):
    for attempt in range(5):
        client.post(
            LOGIN,
            {"username": "boss", "password": "wrong"},
            REMOTE_ADDR="192.0.2.10",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    assert _login(client, PASSWORD).status_code == 429


def test_api_keys_and_force_login_are_not_throttled(client, admin_user, api_key):
    for _ in range(10):
        _login(client, "wrong")
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "get_tautulli_info"})
    assert response.status_code == 200 and response.json()["response"]["result"] == "success"
    assert client.get("/api/servers", HTTP_X_API_KEY=api_key).status_code == 200
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_the_admin_lists_failed_logins_and_deleting_one_unlocks(client, admin_user):
    for _ in range(5):
        _login(client, "wrong")
    attempt = AccessAttempt.objects.get()
    other = get_user_model().objects.create_superuser("second", "s@example.com", "x" * 20)
    colleague = Client()
    colleague.force_login(other)
    page = colleague.get("/admin/axes/accessattempt/").content.decode()
    assert "boss" in page and "192.0.2.10" in page
    delete = f"/admin/axes/accessattempt/{attempt.pk}/delete/"
    assert colleague.post(delete, {"post": "yes"}).status_code == 302
    assert _login(client, PASSWORD).status_code == 302
