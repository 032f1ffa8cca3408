"""undelete_library and delete_recently_added (reference 1.2)."""

from model_bakery import baker

from libraries.models import Library, RecentlyAdded
from servers.models import Server


def test_delete_recently_added_flushes_the_table(db, call_api):
    server = Server.objects.create(name="Plex")
    baker.make(RecentlyAdded, server=server, rating_key=1, _quantity=3)
    status, body = call_api("delete_recently_added")
    assert status == 200 and body["response"]["message"] == "Recently added flushed."
    assert not RecentlyAdded.objects.exists()


def test_undelete_library_by_name(db, call_api):
    server = Server.objects.create(name="Plex")
    library = Library.objects.create(
        server=server, section_id=4, section_name="Music", deleted_section=True, do_notify=False
    )
    status, body = call_api("undelete_library", section_name="Music")
    assert (
        status == 200 and body["response"]["message"] == "Re-added library with section_name Music."
    )
    library.refresh_from_db()
    assert not library.deleted_section and library.do_notify


def test_undelete_an_unknown_library(db, call_api):
    status, body = call_api("undelete_library", section_id=77)
    assert status == 400
    assert body["response"]["message"] == (
        "Unable to re-add library. Invalid section_id or section_name."
    )
