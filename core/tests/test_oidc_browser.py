"""OIDC sign-in in headless Chromium against the loopback provider: the login page's button, the
round trip through the provider, the admin; and the refusal shown on the login page. At 1400 px
and 390 px (a phone), without console errors. Needs /usr/bin/chromium."""

import pytest
from django.contrib.auth import get_user_model

from core.testing.browser import BROWSER_TEST
from core.testing.oidc_provider import OIDCProvider
from users.models import UserLogin

pytestmark = BROWSER_TEST


@pytest.fixture
def provider(live_server, settings):
    callback = f"{live_server.url}/oidc/callback/"
    user = {"sub": "7", "preferred_username": "ann", "groups": ["admins"]}
    with OIDCProvider(redirect_uris=(callback,), user=user) as provider:
        for name, value in provider.settings(
            OIDC_STAFF_GROUPS=["admins"], OIDC_PROVIDER_NAME="Authentik"
        ).items():
            setattr(settings, name, value)
        yield provider


@pytest.mark.parametrize("width", [1400, 390])
def test_sign_in_with_the_provider(live_server, provider, browser_page, width):
    page, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    button = page.get_by_role("link", name="Sign in with Authentik")
    assert button.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/oidc-login-{width}.png", full_page=True)
    button.click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert get_user_model().objects.get(username="ann").is_staff
    assert UserLogin.objects.filter(user="ann", success=True).exists()
    page.screenshot(path=f"/tmp/oidc-admin-{width}.png")
    # Staff find the sign-in in the web login log, with the browser read from its user agent.
    page.goto(f"{live_server.url}/admin/users/userlogin/")
    rows = page.locator("#result_list").inner_text()
    assert "ann" in rows and "Chrome" in rows
    page.screenshot(path=f"/tmp/oidc-logins-{width}.png", full_page=True)
    assert errors == []


def test_a_refused_account_reads_why_on_the_login_page(live_server, provider, browser_page):
    page, errors = browser_page
    provider.user = {"sub": "8", "preferred_username": "bob", "groups": []}
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_role("link", name="Sign in with Authentik").click()
    page.wait_for_url(f"{live_server.url}/admin/login/")
    assert page.get_by_text("Your Authentik account bob is not allowed").is_visible()
    page.screenshot(path="/tmp/oidc-refused.png", full_page=True)
    assert errors == []
