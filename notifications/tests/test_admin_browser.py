"""The notifier admin in headless Chromium, as a person uses it: pick an agent, enter its URL,
switch a trigger on in its tab, save, send a test. Needs /usr/bin/chromium."""

from core.testing.browser import BROWSER_TEST, log_in
from notifications.models import Notifier, NotifierTrigger

pytestmark = BROWSER_TEST


def test_add_configure_and_send_a_test(live_server, browser_page, http_receiver, tmp_path):
    page, errors = browser_page
    base = live_server.url
    log_in(page, base, "/admin/notifications/notifier/add/")

    page.get_by_role("button", name="Apprise URL").click()
    page.wait_for_url(f"{base}/admin/notifications/notifier/*/change/")
    notifier = Notifier.objects.get()

    page.fill("#id_friendly_name", "Loopback")
    page.fill("#id_apprise_urls", f"json://127.0.0.1:{http_receiver.port}/")
    page.check("#id_on_play")
    page.fill("#id_on_play_subject", "Now playing")
    page.screenshot(path=tmp_path / "notifier.png", full_page=True)
    page.click("[name=_continue]")
    page.wait_for_load_state()

    notifier.refresh_from_db()
    assert notifier.friendly_name == "Loopback"
    assert notifier.config["urls"] == f"json://127.0.0.1:{http_receiver.port}/"
    play = NotifierTrigger.objects.get(notifier=notifier, action="on_play")
    assert (play.enabled, play.subject) == (True, "Now playing")
    assert f"127.0.0.1:{http_receiver.port}" not in page.content()

    page.click("#send-test-button")
    page.wait_for_selector("text=Test notification sent")
    assert len(http_receiver.requests) == 1
    assert errors == []
