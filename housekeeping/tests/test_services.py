import datetime as dt

import pytest

from housekeeping.models import ExternalMedia, MediaService
from housekeeping.services import ServiceUnavailable, client_for
from housekeeping.services.sync import sync_services

pytestmark = pytest.mark.django_db


def test_radarr_sync_lists_movies_and_root_folder_disk(fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949, imdb_id="tt0113277", year=1995, size=5000)
    fake_radarr.add_movie("Ronin", 8195, has_file=False)

    report = sync_services()

    assert report == {"Main": {"kind": "radarr", "count": 2, "error": ""}}
    heat = ExternalMedia.objects.get(service=radarr_service, tmdb_id="949")
    assert (heat.media_type, heat.title, heat.year, heat.imdb_id) == (
        "movie",
        "Heat",
        1995,
        "tt0113277",
    )
    assert heat.size_on_disk == 5000 and heat.monitored is True
    assert heat.path == "/data/movies/Heat (1995)"
    radarr_service.refresh_from_db()
    # /data/movies is on the /data disk (the longest prefix), not on /.
    assert (radarr_service.disk_free, radarr_service.disk_total) == (400, 1000)
    assert radarr_service.synced_at is not None and radarr_service.sync_error == ""
    assert all(r["query"] == {} or "tmdbId" not in r["query"] for r in fake_radarr.requests)


def test_sonarr_sync_keeps_series_status_and_seasons(fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1}, status="ended")
    fake_sonarr.add_series("Severance", 371980, {1: 1}, status="continuing")

    sync_services()

    rows = {row.tvdb_id: row for row in ExternalMedia.objects.filter(service=sonarr_service)}
    assert rows["73739"].status == "ended" and rows["73739"].media_type == "show"
    assert rows["371980"].status == "continuing"
    assert rows["73739"].size_on_disk == 300
    assert [s["episode_file_count"] for s in rows["73739"].data["seasons"]] == [2, 1]


def test_overseerr_sync_pages_requests_with_requester(fake_overseerr, overseerr_service):
    for n in range(150):
        fake_overseerr.add_request("movie", tmdb_id=1000 + n, user=f"User {n}")
    fake_overseerr.add_request(
        "tv", tmdb_id=5, tvdb_id=73739, user="Bob", created_at="2026-03-04T05:06:07.000Z"
    )

    report = sync_services()

    assert report["Requests"]["count"] == 151
    pages = [r["query"] for r in fake_overseerr.requests if r["path"] == "/api/v1/request"]
    assert [(p["take"], p["skip"]) for p in pages] == [("100", "0"), ("100", "100")]
    show = ExternalMedia.objects.get(service=overseerr_service, tvdb_id="73739")
    assert show.media_type == "show" and show.requested_by == "Bob"
    assert show.requested_at == dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert show.status == "available"


def test_failed_listing_keeps_previous_rows_and_records_error(fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949)
    sync_services()
    fake_radarr.movies.clear()
    fake_radarr.fail = 500

    report = sync_services()

    assert report["Main"]["count"] is None
    assert report["Main"]["error"].startswith("radarr:Main: ")
    assert ExternalMedia.objects.filter(service=radarr_service).count() == 1
    radarr_service.refresh_from_db()
    assert radarr_service.sync_error == report["Main"]["error"]
    assert fake_radarr.api_key not in radarr_service.sync_error


def test_service_down_is_one_readable_line_without_key(fake_sonarr, sonarr_service):
    fake_sonarr.stop()
    with pytest.raises(ServiceUnavailable) as error:
        client_for(sonarr_service).series_list()
    assert str(error.value) == "sonarr:TV: cannot connect"


def test_wrong_key_is_refused(fake_overseerr, overseerr_service):
    MediaService.objects.filter(pk=overseerr_service.pk).update(api_key="wrong")
    overseerr_service.refresh_from_db()
    with pytest.raises(ServiceUnavailable, match="API key was refused"):
        client_for(overseerr_service).list_requests()
    assert fake_overseerr.requests[0]["path"] == "/api/v1/request"


def test_sync_skips_inactive_services(fake_radarr, radarr_service):
    MediaService.objects.filter(pk=radarr_service.pk).update(is_active=False)
    assert sync_services() == {}
    assert fake_radarr.requests == []
