"""Fixtures of the backups tests: BACKUP_DIR and DATA_DIR in the test's temporary folder (with
a known secret key file), and the PostgreSQL client tools' presence."""

import shutil

import pytest
from django.db import connection

SECRET = "s3cr3t-key-never-in-an-answer-0123456789abcdefghijklmnop"


@pytest.fixture(autouse=True)
def backup_places(settings, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text(SECRET)
    settings.DATA_DIR = data
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP = 7
    settings.BACKUP_KEEP_DAYS = 0
    settings.SECRET_KEY = SECRET
    return settings


@pytest.fixture
def needs_pg_tools():
    """Skip when the database is PostgreSQL and its client tools are missing."""
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump/pg_restore are not installed (apt-get install postgresql-client)")
