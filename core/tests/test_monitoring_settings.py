"""Monitoring settings edited in the admin override the environment's defaults at once."""

import pytest

from core.config import monitoring_value
from history.watched import check_watched
from history.writer import logging_ignore_interval

pytestmark = pytest.mark.django_db


def test_admin_values_override_the_defaults_and_blank_falls_back(admin_client, settings):
    settings.MOVIE_WATCHED_PERCENT = 85
    assert not check_watched("movie", 800_000, 1_000_000)
    response = admin_client.get("/admin/core/monitoringsettings/")
    assert response.status_code == 302 and response.url.endswith("/1/change/")
    page = admin_client.get(response.url)
    assert page.status_code == 200 and b"Watched" in page.content
    response = admin_client.post(
        response.url,
        {"movie_watched_percent": "75", "logging_ignore_interval": "30", "watched_marker": "0"},
    )
    assert response.status_code == 302
    assert check_watched("movie", 800_000, 1_000_000)  # 80 % ≥ 75 %
    assert logging_ignore_interval() == 30
    assert monitoring_value("TV_WATCHED_PERCENT", 85) == settings.TV_WATCHED_PERCENT
    admin_client.post("/admin/core/monitoringsettings/1/change/", {"watched_marker": "3"})
    assert not check_watched("movie", 800_000, 1_000_000)
    assert logging_ignore_interval() == settings.LOGGING_IGNORE_INTERVAL


def test_settings_cannot_be_added_twice_or_deleted(admin_client):
    admin_client.get("/admin/core/monitoringsettings/")
    assert admin_client.get("/admin/core/monitoringsettings/add/").status_code == 403
    assert admin_client.get("/admin/core/monitoringsettings/1/delete/").status_code == 403
