"""OIDC sign-in (core.oidc) against the loopback provider (core.testing.oidc_provider): the whole
code flow, as a browser follows it, and every way it is refused."""

import logging
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from core.testing.oidc_provider import OIDCProvider
from users.models import UserLogin

STAFF = {"sub": "7", "preferred_username": "ann", "email": "ann@example.org", "groups": ["admins"]}
VIEWER = {"sub": "8", "preferred_username": "bob", "groups": ["family"]}


@pytest.fixture
def provider(settings):
    with OIDCProvider(user=dict(STAFF)) as provider:
        for name, value in provider.settings(
            OIDC_STAFF_GROUPS=["admins"], OIDC_PROVIDER_NAME="Authentik"
        ).items():
            setattr(settings, name, value)
        yield provider


def sign_in(client, next_path="/admin/"):
    """Follows the flow as a browser does: our start URL → the provider → our callback.
    Returns the callback's response."""
    start = client.get("/oidc/authenticate/", {"next": next_path})
    assert start.status_code == 302, start
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}", REMOTE_ADDR="192.0.2.7")


def page_messages(client) -> str:
    return client.get("/admin/login/").content.decode()


def test_login_page_offers_the_provider_and_the_password_form(db, client, provider):
    page = client.get("/admin/login/?next=/admin/plex/").content.decode()
    assert "Sign in with Authentik" in page
    assert 'href="/oidc/authenticate/?next=%2Fadmin%2Fplex%2F"' in page
    assert 'id="id_password"' in page  # local login stays for recovery
    assert provider.client_secret not in page


def test_a_staff_group_member_signs_in_to_the_admin(db, client, provider):
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    account = get_user_model().objects.get(username="ann")
    assert account.is_staff and account.is_superuser  # no superuser groups: staff are superusers
    assert not account.has_usable_password()
    assert account.email == "ann@example.org"
    login = UserLogin.objects.get()
    assert (login.user, login.user_group, login.success) == ("ann", "admin", True)
    assert login.ip_address == "192.0.2.7"
    # The provider saw the whole code flow, PKCE included (mozilla-django-oidc sends it).
    assert ("POST", "/token") in provider.requests and ("GET", "/userinfo") in provider.requests


def test_signing_in_again_uses_the_same_account_and_next(db, client, provider):
    sign_in(client)
    client.logout()
    response = sign_in(client, next_path="/admin/users/")
    assert response["Location"] == "/admin/users/"
    assert get_user_model().objects.filter(username="ann").count() == 1


def test_an_account_not_mapped_to_staff_is_refused(db, client, provider):
    provider.user = dict(VIEWER)
    response = sign_in(client)
    assert response["Location"] == "/admin/login/"
    assert "Your Authentik account bob is not allowed to use this server" in page_messages(client)
    assert not get_user_model().objects.filter(username="bob").exists()
    assert client.get("/admin/").status_code == 302  # not signed in
    login = UserLogin.objects.get()
    assert (login.user, login.user_group, login.success) == ("bob", None, False)


def test_an_account_removed_from_the_staff_group_loses_the_admin(db, client, provider):
    sign_in(client)
    client.logout()
    provider.user = {**STAFF, "groups": []}
    sign_in(client)
    assert "not allowed" in page_messages(client)
    account = get_user_model().objects.get(username="ann")
    assert not account.is_staff and not account.is_superuser


def test_superuser_groups_split_staff_from_superusers(db, client, provider, settings):
    settings.OIDC_SUPERUSER_GROUPS = ["owners"]
    sign_in(client)
    ann = get_user_model().objects.get(username="ann")
    assert ann.is_staff and not ann.is_superuser
    client.logout()
    provider.user = {"sub": "9", "preferred_username": "olga", "groups": ["owners"]}
    sign_in(client)
    olga = get_user_model().objects.get(username="olga")
    assert olga.is_staff and olga.is_superuser


def test_a_staff_claim_maps_to_staff(db, client, provider, settings):
    settings.OIDC_STAFF_GROUPS = []
    settings.OIDC_STAFF_CLAIM = "is_admin"
    provider.user = {"sub": "10", "preferred_username": "cy", "is_admin": True}
    assert sign_in(client)["Location"] == "/admin/"
    provider.user = {"sub": "11", "preferred_username": "di", "is_admin": False}
    client.logout()
    assert sign_in(client)["Location"] == "/admin/login/"


def test_a_local_account_of_the_same_name_is_never_taken_over(db, client, provider):
    get_user_model().objects.create_superuser("ann", "", "local password 123")
    sign_in(client)
    assert "The name ann belongs to another account" in page_messages(client)
    assert client.get("/admin/").status_code == 302
    assert get_user_model().objects.get(username="ann").check_password("local password 123")


def test_the_user_declining_at_the_provider_returns_to_the_login_page(db, client, provider):
    provider.deny = True
    response = sign_in(client)
    assert response["Location"] == "/admin/login/"
    assert "Authentik did not sign you in." in page_messages(client)


def test_a_wrong_client_secret_fails_with_a_message_not_an_error(db, client, provider, caplog):
    provider.client_secret = "rotated at the provider"
    caplog.set_level(logging.INFO)
    response = sign_in(client)
    assert response["Location"] == "/admin/login/"
    assert "Sign-in with Authentik failed." in page_messages(client)
    assert "loopback-secret" not in caplog.text  # our secret is never logged


@pytest.mark.parametrize(
    "override", [{"aud": "another-app"}, {"iss": "https://elsewhere.example"}, {"exp": 1}]
)
def test_an_id_token_not_for_us_is_refused(db, client, provider, override):
    provider.id_token_overrides = override
    assert sign_in(client)["Location"] == "/admin/login/"
    assert "Sign-in with Authentik failed." in page_messages(client)
    assert client.get("/admin/").status_code == 302
    assert not get_user_model().objects.exists()


def test_a_forged_callback_is_refused_without_an_error_page(db, client, provider):
    client.get("/oidc/authenticate/")
    response = client.get("/oidc/callback/", {"code": "x", "state": "forged"})
    assert response.status_code == 302 and response["Location"] == "/admin/login/"
    assert "failed" in page_messages(client)


def test_an_unreachable_provider_leaves_the_password_login(db, client, settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.OIDC_RP_CLIENT_ID = "tautulli"
    settings.OIDC_PROVIDER_NAME = "Authentik"
    response = client.get("/oidc/authenticate/")
    assert response["Location"] == "/admin/login/"
    assert "Authentik cannot be reached; sign in with a password." in page_messages(client)


def test_off_by_default_no_button_and_no_endpoints(db, client, settings):
    settings.OIDC_ENABLED = False
    assert "Sign in with" not in client.get("/admin/login/").content.decode().replace(
        "Sign in with Plex", ""
    )
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_explicit_endpoints_need_no_discovery(db, client, provider, settings):
    settings.OIDC_OP_ISSUER = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.issuer}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.issuer}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.issuer}/jwks"
    assert sign_in(client)["Location"] == "/admin/"
    assert ("GET", "/.well-known/openid-configuration") not in provider.requests
