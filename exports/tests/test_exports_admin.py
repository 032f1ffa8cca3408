"""The exports' admin list: status, format, size, items, and a download link that streams the
export for staff; no "add" (new exports come from /api/v2 export_metadata)."""

import pytest
from django.urls import reverse
from model_bakery import baker

from exports import exporter
from exports.models import Export
from servers.models import Server

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    server = baker.make(Server, name="Fake", token="secret-plex-token")
    row = baker.make(
        Export,
        server=server,
        timestamp=1_795_000_000,
        title="Library - Movies - All [1]",
        media_type="movie",
        file_format="csv",
        complete=1,
        file_size=12,
        exported_items=4,
        total_items=4,
    )
    folder = exporter.directory(row)
    folder.mkdir(parents=True)
    (folder / "Library - Movies - All [1].csv").write_text("ratingKey\n1\n")
    return row


def test_the_list_shows_status_and_a_download_link(admin_client, done):
    failed = baker.make(
        Export, server=done.server, timestamp=1, title="Item [9]", complete=-1, error="Down."
    )

    page = admin_client.get(reverse("admin:exports_export_changelist")).content.decode()

    assert "Library - Movies - All [1]" in page and "Complete" in page
    assert "Failed" in page and "4 / 4" in page and "12\xa0bytes" in page
    download = reverse("admin:exports_export_download", args=[done.pk])
    assert download in page
    assert reverse("admin:exports_export_download", args=[failed.pk]) not in page
    assert "secret-plex-token" not in page
    assert admin_client.get(reverse("admin:exports_export_add")).status_code == 403


def test_the_download_link_streams_the_file(admin_client, client, done):
    url = reverse("admin:exports_export_download", args=[done.pk])

    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"ratingKey\n1\n"
    assert "Library - Movies - All [1].csv" in response["Content-Disposition"]
    assert client.get(url).status_code == 302  # not signed in: to the login page


def test_deleting_in_the_admin_removes_the_files(admin_client, done):
    folder = exporter.directory(done)
    url = reverse("admin:exports_export_delete", args=[done.pk])

    admin_client.post(url, {"post": "yes"})

    assert not Export.objects.exists() and not folder.exists()


def test_a_restart_marks_exports_left_running_as_failed(admin_client):
    """``manage.py bootstrap`` (every start) settles exports whose task died with the workers."""
    from io import StringIO

    from django.core.management import call_command
    from model_bakery import baker

    from exports.models import Export

    running = baker.make(Export, complete=Export.RUNNING, timestamp=1)
    finished = baker.make(Export, complete=Export.DONE, timestamp=2)
    call_command("bootstrap", stdout=StringIO())
    running.refresh_from_db()
    finished.refresh_from_db()
    assert (running.complete, running.error) == (
        Export.FAILED,
        "Interrupted (the server restarted).",
    )
    assert finished.complete == Export.DONE
    page = admin_client.get("/admin/exports/export/").content.decode()
    assert "Failed" in page
