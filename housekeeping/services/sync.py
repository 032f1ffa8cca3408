"""Copy what each active media service lists into :class:`~housekeeping.models.ExternalMedia`
(and Radarr's / Sonarr's free disk space into the :class:`~housekeeping.models.MediaService`).

A service's rows are replaced in one transaction once its whole listing arrived; a listing that
fails leaves the previous rows untouched and records ``sync_error`` — an unreachable service
never makes its items look gone.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.dateparse import parse_datetime

from core.clock import now as clock_now
from housekeeping.models import ExternalMedia, MediaService
from housekeeping.services.base import ServiceError, client_for

logger = logging.getLogger(__name__)


def sync_services(services=None) -> dict:
    """List every active service (or ``services``, an iterable of MediaService) and store it.

    Returns ``{service name: {"kind", "count": rows stored, "error": "" or one line}}``.
    Never raises for a service that fails: its ``sync_error`` says why.
    """
    if services is None:
        services = MediaService.objects.filter(is_active=True)
    report = {}
    for service in services:
        try:
            rows, disk = _listing(service)
        except ServiceError as error:
            message = str(error)
            logger.warning("Media service sync failed: %s", message)
            MediaService.objects.filter(pk=service.pk).update(sync_error=message)
            service.sync_error = message
            report[service.name] = {"kind": service.kind, "count": None, "error": message}
            continue
        with transaction.atomic():
            ExternalMedia.objects.filter(service=service).delete()
            ExternalMedia.objects.bulk_create(rows, batch_size=1000)
            fields = {"synced_at": clock_now(), "sync_error": ""}
            if disk is not None:
                fields["disk_free"], fields["disk_total"] = disk
            MediaService.objects.filter(pk=service.pk).update(**fields)
        for name, value in fields.items():
            setattr(service, name, value)
        report[service.name] = {"kind": service.kind, "count": len(rows), "error": ""}
    return report


def _listing(service) -> tuple[list[ExternalMedia], tuple | None]:
    client = client_for(service)
    if service.kind == MediaService.RADARR:
        rows = [_movie_row(service, movie) for movie in client.movies()]
        return rows, client.disk_space()
    if service.kind == MediaService.SONARR:
        rows = [_series_row(service, series) for series in client.series_list()]
        return rows, client.disk_space()
    rows = [_request_row(service, request) for request in client.list_requests()]
    return [row for row in rows if row is not None], None


def _text(value) -> str:
    return "" if value in (None, 0) else str(value)


def _movie_row(service, movie: dict) -> ExternalMedia:
    movie_file = movie.get("movieFile") or {}
    return ExternalMedia(
        service=service,
        external_id=movie["id"],
        media_type="movie",
        title=movie.get("title") or "",
        year=movie.get("year") or None,
        tmdb_id=_text(movie.get("tmdbId")),
        imdb_id=movie.get("imdbId") or "",
        status=movie.get("status") or "",
        monitored=movie.get("monitored"),
        path=movie.get("path") or "",
        size_on_disk=movie.get("sizeOnDisk"),
        data={"has_file": bool(movie.get("hasFile")), "movie_file_id": movie_file.get("id")},
    )


def _series_row(service, series: dict) -> ExternalMedia:
    statistics = series.get("statistics") or {}
    seasons = [
        {
            "season_number": season.get("seasonNumber"),
            "monitored": season.get("monitored"),
            "episode_file_count": (season.get("statistics") or {}).get("episodeFileCount"),
        }
        for season in series.get("seasons") or []
    ]
    return ExternalMedia(
        service=service,
        external_id=series["id"],
        media_type="show",
        title=series.get("title") or "",
        year=series.get("year") or None,
        tvdb_id=_text(series.get("tvdbId")),
        tmdb_id=_text(series.get("tmdbId")),
        imdb_id=series.get("imdbId") or "",
        status=series.get("status") or "",
        monitored=series.get("monitored"),
        path=series.get("path") or "",
        size_on_disk=statistics.get("sizeOnDisk"),
        data={"seasons": seasons},
    )


# Overseerr's media status (MediaStatus): what the request's media is now.
MEDIA_STATUS = {
    1: "unknown",
    2: "pending",
    3: "processing",
    4: "partially_available",
    5: "available",
}


def _requester(user: dict | None) -> str:
    user = user or {}
    for key in ("displayName", "plexUsername", "jellyfinUsername", "username", "email"):
        if user.get(key):
            return str(user[key])
    return ""


def _request_row(service, request: dict) -> ExternalMedia | None:
    media = request.get("media") or {}
    if request.get("id") is None:
        return None
    media_type = "movie" if (request.get("type") or media.get("mediaType")) == "movie" else "show"
    created = request.get("createdAt")
    return ExternalMedia(
        service=service,
        external_id=request["id"],
        media_type=media_type,
        title="",
        tmdb_id=_text(media.get("tmdbId")),
        tvdb_id=_text(media.get("tvdbId")),
        imdb_id=media.get("imdbId") or "",
        status=MEDIA_STATUS.get(media.get("status"), ""),
        requested_by=_requester(request.get("requestedBy")),
        requested_at=parse_datetime(created) if created else None,
        data={
            "media_id": media.get("id"),
            "request_status": request.get("status"),
            "seasons": [s.get("seasonNumber") for s in request.get("seasons") or []],
        },
    )
