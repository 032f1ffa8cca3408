"""Headless Chromium for the admin's browser tests (Debian's ``/usr/bin/chromium``, Playwright).

Registered as pytest fixtures by the root ``conftest.py``: ``browser_page`` yields a tab and the
list of errors it reported (console errors, uncaught exceptions, failed requests, HTTP ≥ 400);
:func:`log_in` signs a new superuser in through the admin's login form.

Chromium stands for the user's own machine: it runs on the real clock even when the test run's
clock is moved (``scripts/test-at`` preloads libfaketime, whose timers hang Chromium).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 20_000

# Marks of a browser test module: ``pytestmark = BROWSER_TEST``.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


def _browser_environment() -> dict[str, str]:
    """This process's environment without libfaketime's variables."""
    return {
        key: value
        for key, value in os.environ.items()
        if key != "LD_PRELOAD" and not key.startswith("FAKETIME")
    }


def browser_page() -> Iterator[tuple[object, list[str]]]:
    """A Chromium tab (1400×900, 20 s timeouts) and the errors it reports; see the module doc."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # plain synchronous calls, so let Django allow them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=_browser_environment()
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on("requestfailed", lambda r: errors.append(f"{r.url}: {r.failure}"))
        tab.on(
            "response",
            lambda r: errors.append(f"{r.url}: HTTP {r.status}") if r.status >= 400 else None,
        )
        try:
            yield tab, errors
        finally:
            # ORM calls made while Playwright's loop runs get their own connection (Django keys
            # connections by async context): close it, or PostgreSQL cannot drop the test database.
            connections.close_all()
            context.close()
            browser.close()


def log_in(page, base_url: str, next_path: str) -> None:
    """Create the superuser ``admin`` and sign in through the login form; waits for
    ``next_path``."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")
