import logging.config

import pytest


@pytest.fixture(autouse=True)
def fresh_status_cache():
    from django.core.cache import caches

    caches["status"].clear()


@pytest.fixture
def app_log(tmp_path, settings):
    """The application's logging (settings.LOGGING, its file handler and redaction) writing to
    a log file in ``tmp_path``; yields its path."""
    path = tmp_path / "logs" / "tautulli.log"
    settings.LOG_FILE = path
    config = {**settings.LOGGING, "handlers": dict(settings.LOGGING["handlers"])}
    config["handlers"]["file"] = {**config["handlers"]["file"], "filename": str(path)}
    logging.config.dictConfig(config)
    yield path
    logging.config.dictConfig(settings.LOGGING)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client
