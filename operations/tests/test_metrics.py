"""/metrics (django-prometheus and our gauges): off by default, on with PROMETHEUS_METRICS."""

import pytest
from model_bakery import baker

from servers.models import Server, Session


@pytest.mark.django_db
def test_metrics_are_off_by_default(staff_client, settings):
    assert settings.PROMETHEUS_METRICS is False
    assert staff_client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_on_for_staff_or_the_token(client, staff_client, settings):
    settings.PROMETHEUS_METRICS = True
    settings.METRICS_TOKEN = "scrape-token"
    server = baker.make(Server)
    baker.make(Session, server=server, state="playing", confirmed=True)

    text = staff_client.get("/metrics").content.decode()
    assert "tautulli_streams 1.0" in text
    assert "tautulli_plays 0.0" in text
    assert "tautulli_task_queue 0.0" in text
    assert "python_info" in text  # prometheus_client's default collectors

    client.logout()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token")
    assert ok.status_code == 200 and b"tautulli_streams" in ok.content
