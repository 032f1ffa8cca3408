"""Tautulli's metadata exporter (v2.17.2 ``plexpy/exporter.py``; read for the facts): an
export of a library section (its items, collections or playlists), an item (a movie, a show
with its seasons and episodes, a collection, a playlist...) or a user's playlists, at a
metadata level and a media info level (:mod:`exports.fields`), with custom fields, in CSV, JSON,
XML or M3U (:mod:`exports.writers`), in one file or one file per item, optionally with the
items' images.

:func:`start_export` checks the request and records the :class:`~exports.models.Export` row
(``complete = 0``), then queues :func:`run_export` on django-q2; the task reads PMS through
:mod:`plex.export_metadata`, writes the files under ``EXPORT_DIR/<title>.<YYYYmmddHHMMSS>/``
and marks the row done (1) or failed (-1, with the reason in ``error``).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.errors import InvalidInput
from plex.client import PlexUnavailable
from plex.export_metadata import (
    ExportTargetNotFound,
    ItemReader,
    find_target,
    image_locked,
    item_title,
    media_type_of,
    selected_image,
)
from plex.images import fetch_image
from users.models import User

from . import fields, writers
from .models import Export

logger = logging.getLogger(__name__)

RUN_TASK = "exports.exporter.run_export"
# Images fetched through PMS's photo transcoder: (width, height, format) by kind.
IMAGE_SIZES = {
    "thumb": (1000, 1500, "jpg"),
    "art": (1920, 1080, "jpg"),
    "logo": (1000, 500, "png"),
    "squareArt": (1000, 1000, "jpg"),
}
_FILENAME_SAFE = re.compile(r"[^-_.()\[\] A-Za-z0-9]")


def clean_filename(name: str) -> str:
    """Tautulli's file names: accents dropped (NFKD to ASCII), anything but letters, digits,
    space and ``-_.()[]`` replaced by ``_``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _FILENAME_SAFE.sub("_", ascii_name)


def export_dir() -> Path:
    return Path(settings.EXPORT_DIR)


def directory_name(export: Export) -> str:
    moment = timezone.localtime(datetime.fromtimestamp(export.timestamp, tz=UTC))
    return f"{export.title}.{moment:%Y%m%d%H%M%S}"


def directory(export: Export) -> Path:
    return export_dir() / directory_name(export)


def file_name(export: Export) -> str | None:
    """The single file of an export; None for individual files."""
    return None if export.individual_files else f"{export.title}.{export.file_format}"


def exists(export: Export) -> bool:
    name = file_name(export)
    if name is None:
        return directory(export).is_dir()
    return (directory(export) / name).is_file()


def media_type_title(media_type: str) -> str:
    return "Photo Album" if media_type == "photoalbum" else media_type[:1].upper() + media_type[1:]


# --- starting -------------------------------------------------------------------------------


@dataclass
class ExportRequest:
    section_id: int | None = None
    user_id: int | None = None
    rating_key: int | None = None
    file_format: str = "csv"
    metadata_level: int = 1
    media_info_level: int = 1
    thumb_level: int = 0
    art_level: int = 0
    logo_level: int = 0
    square_art_level: int = 0
    theme_level: int = 0
    custom_fields: str = ""
    export_type: str = "all"
    individual_files: bool = False


def check(request: ExportRequest) -> str | None:
    """Tautulli's checks of an export request, in its order: the message of the first that
    fails, else None. M3U exports reset the levels (1, 1, no images, no custom fields)."""
    request.file_format = request.file_format.lower()
    request.export_type = request.export_type.lower() or "all"
    request.custom_fields = request.custom_fields.replace(" ", "")
    if request.file_format == "m3u":
        request.metadata_level = request.media_info_level = 1
        request.thumb_level = request.art_level = request.logo_level = 0
        request.square_art_level = request.theme_level = 0
        request.custom_fields = ""
    if not (request.section_id or request.user_id or request.rating_key):
        return "Export called but no section_id, user_id, or rating_key provided."
    if request.metadata_level not in fields.METADATA_LEVELS:
        return f"Export called with invalid metadata_level '{request.metadata_level}'."
    if request.media_info_level not in fields.MEDIA_INFO_LEVELS:
        return f"Export called with invalid media_info_level '{request.media_info_level}'."
    for name in ("thumb_level", "art_level", "logo_level", "square_art_level", "theme_level"):
        if getattr(request, name) not in fields.RESOURCE_LEVELS:
            shown = "squareArt_level" if name == "square_art_level" else name
            return f"Export called with invalid {shown} '{getattr(request, name)}'."
    if request.file_format not in fields.FILE_FORMATS:
        return f"Export called with invalid file_format '{request.file_format}'."
    if request.export_type not in fields.EXPORT_TYPES:
        return f"Export called with invalid export_type '{request.export_type}'."
    if request.user_id and request.export_type != "playlist":
        return (
            f"Export called with invalid export_type '{request.export_type}'. "
            "Only export_type 'playlist' is allowed for user export."
        )
    if request.individual_files and request.rating_key:
        return "Individual file export is only allowed for library or user export."
    return None


def provisional_title(server, request: ExportRequest) -> str:
    """The export's title from what the database knows (the task sets it from PMS)."""
    from libraries.models import Library

    kind = request.export_type.capitalize()
    if request.rating_key:
        return clean_filename(f"Item [{request.rating_key}]")
    if request.user_id:
        user = User.objects.filter(user_id=request.user_id).first()
        name = user.username if user else str(request.user_id)
        return clean_filename(f"User - {name} - {kind} [{request.user_id}]")
    library = Library.objects.filter(server=server, section_id=request.section_id).first()
    name = (library.section_name if library else None) or str(request.section_id)
    return clean_filename(f"Library - {name} - {kind} [{request.section_id}]")


def start_export(server, request: ExportRequest) -> Export:
    """Check ``request`` (:class:`~core.errors.InvalidInput` with Tautulli's message), record
    the export and queue it."""
    from django_q.tasks import async_task

    message = check(request)
    if message:
        raise InvalidInput(message)
    if request.user_id:
        user = User.objects.filter(user_id=request.user_id).first()
        if user is None or not user.server_token:
            raise InvalidInput(f"No server token is known for user_id {request.user_id}.")
    export = Export.objects.create(
        server=server,
        timestamp=int(timezone.now().timestamp()),
        section_id=request.section_id,
        user_id=request.user_id,
        rating_key=request.rating_key,
        media_type=request.export_type if request.user_id else "",
        export_type=request.export_type,
        title=provisional_title(server, request),
        file_format=request.file_format,
        metadata_level=request.metadata_level,
        media_info_level=request.media_info_level,
        thumb_level=request.thumb_level,
        art_level=request.art_level,
        logo_level=request.logo_level,
        square_art_level=request.square_art_level,
        theme_level=request.theme_level,
        custom_fields=request.custom_fields,
        individual_files=request.individual_files,
    )
    async_task(RUN_TASK, export.pk, task_name=f"Export {export.pk}: {export.title}")
    return export


# --- running --------------------------------------------------------------------------------


class _Run:
    """One export being written."""

    def __init__(self, export: Export):
        self.export = export
        self.options = fields.ExportOptions(
            metadata_level=export.metadata_level,
            media_info_level=export.media_info_level,
            resource_levels={
                "thumb": export.thumb_level,
                "art": export.art_level,
                "logo": export.logo_level,
                "squareArt": export.square_art_level,
                "theme": export.theme_level,
            },
        )
        self.size = 0
        self.images: set[str] = set()

    def spec_for(self, media_type: str) -> dict:
        return fields.spec_for(media_type, self.options)

    def reader(self, resources_dir: Path) -> ItemReader:
        def save_image(kind, obj, media_type, title):
            return self.save_image(resources_dir, kind, obj, media_type, title)

        check_files = self.export.media_info_level == 9 or any(
            "media.parts.accessible" in names or "media.parts.exists" in names
            for names in self.options.custom_fields.values()
        )
        return ItemReader(self.spec_for, save_image=save_image, check_files=check_files)

    def wanted_image(self, kind: str, obj, media_type: str) -> bool:
        level = self.options.resource_levels.get(kind, 0)
        if f"{kind}File" in self.options.custom_fields.get(media_type, set()):
            return True
        if level == 1:  # an uploaded image is the selected one
            selected = selected_image(obj, kind)
            return bool(selected) and str(selected.ratingKey or "").startswith("upload://")
        if level == 2:  # the image was edited: its field is locked
            return image_locked(obj, kind)
        return level == 9

    def save_image(self, resources_dir: Path, kind, obj, media_type, title) -> str | None:
        if kind not in IMAGE_SIZES or not self.wanted_image(kind, obj, media_type):
            return None  # themes are audio: not fetched through the photo transcoder
        path = getattr(obj, kind, None)
        if not path:
            return None
        width, height, img_format = IMAGE_SIZES[kind]
        try:
            body, _ = fetch_image(
                self.export.server, path, width=width, height=height, img_format=img_format
            )
        except PlexUnavailable as exc:
            logger.warning("Exporter: no %s for %s: %s", kind, obj.ratingKey, exc)
            return None
        resources_dir.mkdir(parents=True, exist_ok=True)
        name = clean_filename(f"{title} [{obj.ratingKey}].{kind}.{img_format}")
        (resources_dir / name).write_bytes(body)
        self.size += len(body)
        self.images.add(kind)
        return f"{resources_dir.name}/{name}"

    def header(self, title: str, rating_key=None) -> dict:
        header = {"title": title, "type": self.export.media_type}
        if rating_key:
            header["ratingKey"] = rating_key
        if self.export.user_id:
            header["userID"] = self.export.user_id
        if self.export.section_id:
            header["sectionID"] = self.export.section_id
        return header

    def write(self, path: Path, items: list[dict], header: dict) -> None:
        writers.write(path, self.export.file_format, items, header)
        self.size += path.stat().st_size

    def run(self) -> None:
        export = self.export
        token = None
        if export.user_id:
            user = User.objects.filter(user_id=export.user_id).first()
            token = user.server_token if user else None
            if not token:
                raise ExportTargetNotFound(
                    f"No server token is known for user_id {export.user_id}."
                )
        target = find_target(
            export.server,
            section_id=export.section_id,
            rating_key=export.rating_key,
            user_token=token,
            export_type=export.export_type,
        )
        if target.media_type not in fields.RESOURCE_TYPES:
            raise ExportTargetNotFound(f"Cannot export media type '{target.media_type}'.")
        export.media_type = target.media_type
        if export.rating_key:
            export.section_id = target.section_id
            title = f"{target.media_type.capitalize()} - {target.title} [{export.rating_key}]"
            export.title = clean_filename(title)
        elif export.section_id:
            kind = export.export_type.capitalize()
            export.title = clean_filename(
                f"Library - {target.title} - {kind} [{export.section_id}]"
            )
        allowed = fields.RESOURCE_TYPES[target.media_type]
        for kind, ok in zip(fields.RESOURCES, allowed, strict=True):
            if not ok:
                self.options.resource_levels[kind] = 0
        self.options.top_media_type = target.media_type
        self.options.custom_fields = fields.parse_custom_fields(
            export.custom_fields, target.media_type
        )
        export.total_items = len(target.items)
        export.save(
            update_fields=["media_type", "section_id", "title", "total_items"],
        )
        folder = directory(export)
        folder.mkdir(parents=True, exist_ok=True)
        results = []
        for obj in target.items:
            if export.individual_files:
                name = clean_filename(
                    f"{media_type_of(obj).capitalize()} - {item_title(obj)} [{obj.ratingKey}]"
                )
                exported = self.reader(folder / f"{name}.resources").read(obj)
                self.write(
                    folder / f"{name}.{export.file_format}",
                    [exported.data],
                    self.header(name, exported.rating_key),
                )
            else:
                exported = self.reader(folder / f"{export.title}.resources").read(obj)
                results.append(exported.data)
            Export.objects.filter(pk=export.pk).update(exported_items=F("exported_items") + 1)
        if not export.individual_files:
            self.write(
                folder / f"{export.title}.{export.file_format}",
                results,
                self.header(export.title, export.rating_key),
            )


def run_export(export_id: int) -> None:
    """The django-q2 task: write the export's files and mark it done (1) or failed (-1, the
    reason in ``error``: PMS unreachable, no such section or item...)."""
    export = Export.objects.select_related("server").filter(pk=export_id).first()
    if export is None:
        return
    run = _Run(export)
    try:
        run.run()
    except (PlexUnavailable, ExportTargetNotFound) as exc:
        _finish(export, run, error=str(exc))
        logger.warning("Exporter: export %s failed: %s", export.pk, exc)
        return
    except Exception as exc:  # noqa: BLE001 - the row must say it failed, whatever happened
        logger.exception("Exporter: export %s failed", export.pk)
        _finish(export, run, error=f"Export failed: {type(exc).__name__}: {exc}")
        return
    _finish(export, run, error="")
    logger.info("Exporter: export %s written to %s", export.pk, directory(export))


def _finish(export: Export, run: _Run, *, error: str) -> None:
    levels = {
        "thumb_level": "thumb",
        "art_level": "art",
        "logo_level": "logo",
        "square_art_level": "squareArt",
        "theme_level": "theme",
    }
    values = {
        "complete": Export.FAILED if error else Export.DONE,
        "error": error,
        "file_size": run.size,
    }
    for column, kind in levels.items():
        asked = run.options.resource_levels.get(kind, 0)
        values[column] = (asked or 10) if kind in run.images else 0
    Export.objects.filter(pk=export.pk).update(**values)


def cancel_running() -> int:
    """Mark exports still running as failed (after a restart, as Tautulli does at start-up)."""
    return Export.objects.filter(complete=Export.RUNNING).update(
        complete=Export.FAILED, error="Interrupted (the server restarted)."
    )


# --- reading, deleting ----------------------------------------------------------------------


def table_row(export: Export) -> dict:
    """A ``get_exports_table`` row: Tautulli's keys, in its order."""
    return {
        "export_id": export.pk,
        "timestamp": export.timestamp,
        "section_id": export.section_id,
        "user_id": export.user_id,
        "rating_key": export.rating_key,
        "media_type": export.media_type,
        "media_type_title": media_type_title(export.media_type),
        "title": export.title,
        "filename": file_name(export),
        "file_format": export.file_format,
        "metadata_level": export.metadata_level,
        "media_info_level": export.media_info_level,
        "thumb_level": export.thumb_level,
        "art_level": export.art_level,
        "logo_level": export.logo_level,
        "squareArt_level": export.square_art_level,
        "theme_level": export.theme_level,
        "custom_fields": export.custom_fields,
        "individual_files": int(export.individual_files),
        "file_size": export.file_size,
        "complete": export.complete,
        "exported_items": export.exported_items,
        "total_items": export.total_items,
        "exists": exists(export),
    }


def download_problem(export: Export | None) -> str | None:
    """Why an export cannot be downloaded (Tautulli's messages), None when it can."""
    if export is None:
        return "Invalid export_id provided."
    if export.complete == Export.RUNNING:
        return "Export is still being processed."
    if export.complete == Export.FAILED:
        return "Export failed to process."
    if not exists(export):
        return "Export file does not exist."
    return None


def download(export: Export) -> tuple[object, str, str]:
    """``(file object, download name, content type)`` of a finished export: its one file, or
    a zip of its directory when it has images or individual files (made on the fly in a
    temporary file)."""
    if export.has_images or export.individual_files:
        folder = directory(export)
        spool = tempfile.TemporaryFile()
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
        spool.seek(0)
        return spool, f"{folder.name}.zip", "application/zip"
    name = file_name(export)
    content_types = {
        "csv": "text/csv",
        "json": "application/json",
        "xml": "application/xml",
        "m3u": "audio/x-mpegurl",
    }
    return (
        (directory(export) / name).open("rb"),
        name,
        content_types.get(export.file_format, "application/octet-stream"),
    )


def delete_export(export: Export) -> None:
    """Delete an export's row and its directory."""
    folder = directory(export)
    if folder.is_dir() and export_dir() in folder.parents:
        shutil.rmtree(folder, ignore_errors=True)
    export.delete()


def delete_all() -> int:
    """Delete every export: their rows and their directories; the number of rows deleted.
    Unlike Tautulli (which empties its whole export folder) files in ``EXPORT_DIR`` that no
    export made are left alone: the folder may be shared, or a test's settings may point at a
    real one."""
    count = 0
    for export in Export.objects.all().iterator():
        delete_export(export)
        count += 1
    return count
