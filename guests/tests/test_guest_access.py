"""Tested by URL: a guest reaches their own pages only — never the admin, the APIs without a
key, nor another user's data — and loses access at the next request when a switch goes off."""

import pytest
from django.contrib.admin import site
from django.urls import reverse

from core.image_links import image_url
from core.models import MonitoringSettings
from users.accounts import PlexIdentity, guest_login_user

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/admin/",
    "/admin/users/user/",
    "/admin/users/user/1002/change/",
    "/admin/plex/history/",
    "/admin/core/monitoringsettings/",
    "/admin/core/monitoringsettings/1/change/",
    "/admin/core/apikey/",
    "/admin/auditlog/logentry/",
    "/admin/auth/user/",
    "/admin/password_change/",
]


def _refused(response) -> bool:
    """Sent to the admin's login page (Django's answer to a signed-in non-staff account) or
    forbidden."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith("/admin/login/")
    )


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_guest_never_reaches_an_admin_page(client, guest, bob, url):
    assert _refused(client.get(url)), url


def test_guest_never_reaches_any_registered_admin_list(client, guest):
    for model in site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert _refused(response), url


def test_guest_cannot_post_to_the_admin(client, guest):
    response = client.post("/admin/core/monitoringsettings/1/change/", {"allow_guest_access": "2"})
    assert _refused(response)
    assert not MonitoringSettings.objects.filter(allow_guest_access=True).exists()


@pytest.mark.parametrize(
    "url", ["/api/history", "/api/users", "/api/users/1002", "/api/servers", "/api/openapi.json"]
)
def test_guest_session_opens_no_rest_endpoint(client, guest, url):
    response = client.get(url)
    assert response.status_code in (401, 302), (url, response.status_code)
    assert b"bob" not in response.content


@pytest.mark.parametrize("cmd", ["get_history", "get_activity", "get_users", "get_settings"])
def test_guest_session_opens_no_api_v2_command(client, guest, bob, cmd):
    body = client.get("/api/v2", {"cmd": cmd, "user_id": bob.user_id}).json()
    assert body["response"]["result"] == "error"
    assert body["response"]["data"] in ({}, None, [])


def test_staff_are_sent_to_the_admin(admin_client):
    response = admin_client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.parametrize("url", ["/me/", "/me/history/"])
def test_anonymous_and_local_accounts_go_to_the_login(client, django_user_model, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(django_user_model.objects.create_user("local", password="x"))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def _signed_out(client, url="/me/"):
    """The guest's next request ends their session: sent to the login page with the reason,
    and the one after too (the session is gone, not only this page refused)."""
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/admin/login/"
    assert client.get("/me/")["Location"].startswith("/admin/login/?next=")
    return response


def test_per_user_switch_off_ends_access_at_the_next_request(client, guest, alice):
    assert client.get("/me/").status_code == 200
    alice.allow_guest = False
    alice.save()
    _signed_out(client)
    alice.allow_guest = True
    alice.save()
    assert client.get("/me/").status_code == 302  # signing in again is needed


def test_global_switch_in_the_admin_wins_over_the_environment(client, guest):
    assert client.get("/me/history/").status_code == 200
    MonitoringSettings.objects.update_or_create(pk=1, defaults={"allow_guest_access": False})
    _signed_out(client, "/me/history/")


def test_global_switch_off_also_closes_the_image_proxy(client, guest, server):
    url = image_url(server.pk, "/library/metadata/1/thumb", 80, 120)
    MonitoringSettings.objects.update_or_create(pk=1, defaults={"allow_guest_access": False})
    _signed_out(client, url)


def test_deleted_user_loses_access(client, guest, alice):
    alice.deleted_user = True
    alice.save()
    _signed_out(client)


def test_guest_sign_in_needs_both_switches(alice, settings):
    from users.accounts import GuestAccessDenied

    identity = PlexIdentity(alice.user_id, alice.username)
    settings.ALLOW_GUEST_ACCESS = False
    with pytest.raises(GuestAccessDenied):
        guest_login_user(identity)
    MonitoringSettings.objects.update_or_create(pk=1, defaults={"allow_guest_access": True})
    assert guest_login_user(identity).is_staff is False


def test_switches_are_in_the_admin_forms(admin_client, alice):
    MonitoringSettings.objects.get_or_create(pk=1)
    settings_page = admin_client.get("/admin/core/monitoringsettings/1/change/").content.decode()
    assert 'name="allow_guest_access"' in settings_page and "Guest access" in settings_page
    user_page = admin_client.get(f"/admin/users/user/{alice.pk}/change/").content.decode()
    assert 'name="allow_guest"' in user_page
    assert "see their own history, statistics and streams" in user_page


def _plain_admin_urls(patterns, prefix="/admin/"):
    """Every admin URL without a parameter (lists, custom pages such as Activity, settings)."""
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if "<" in route or "(?P" in route:
            continue
        if isinstance(pattern, URLResolver):
            yield from _plain_admin_urls(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


def test_guest_never_reaches_any_plain_admin_url(client, guest):
    urls = sorted(set(_plain_admin_urls(site.get_urls())))
    assert len(urls) > 50
    for url in urls:
        if url in ("/admin/login/", "/admin/logout/"):
            continue
        assert _refused(client.get(url)), url
