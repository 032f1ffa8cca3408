"""/api/v2 commands of the metadata exporter (reference 1.2 "Exports"; Tautulli v2.17.2
``plexpy/webserve.py`` ``export_metadata``, ``get_export_list`` (``get_exports_table``),
``get_export_fields``, ``download_export``, ``delete_export``)."""

from django.db.models import F
from django.http import FileResponse

from core.tautulli_api import ApiError, api_command
from core.tautulli_api.datatables import queryset_table
from servers.apiv2 import server_from_params

from . import exporter
from .fields import export_fields_catalogue
from .models import Export

ID_MAX = 2**63 - 1


def _id(params, key: str) -> int | None:
    """An optional id as Tautulli reads it (``cast_to_int(x) or None``: 0 is none)."""
    return params.int(key, minimum=0, maximum=ID_MAX) or None


def _level(params, key: str, default: int) -> int:
    return params.int(key, default, minimum=-(2**31), maximum=2**31 - 1)


@api_command()
def export_metadata(request, params):
    """Export library or media metadata to a file.

    ```
    Required parameters:
        section_id (int):          The section id of the library items to export, OR
        user_id (int):             The user id of the playlist items to export, OR
        rating_key (int):          The rating key of the media item to export

    Optional parameters:
        file_format (str):         csv (default), json, xml, or m3u
        metadata_level (int):      The level of metadata to export (default 1): 0, 1, 2, 3 or 9
        media_info_level (int):    The level of media info to export (default 1): 0, 1, 2, 3 or 9
        thumb_level (int):         The level of poster/cover images to export (default 0):
                                   0 none, 1 uploaded, 2 edited (locked), 9 all
        art_level (int):           The level of background artwork images to export (default 0)
        logo_level (int):          The level of logo images to export (default 0)
        squareArt_level (int):     The level of square art images to export (default 0)
        theme_level (int):         The level of theme music to export (default 0; recorded,
                                   not exported here)
        custom_fields (str):       Comma separated list of custom fields to export
                                   in addition to the export level selected
                                   (see get_export_fields, e.g. "seasons.episodes.title")
        export_type (str):         'collection' or 'playlist' for library/user export,
                                   otherwise default to all library items
        individual_files (bool):   Export each item as an individual file for library/user export.
        server (str):              server id, name or machine identifier (default: the first)

    Returns:
        json:
            {"export_id": 1}
    ```
    The export runs in the background (a django-q2 task): get_exports_table shows its
    progress (complete 0 running, 1 done, -1 failed). Files are written under EXPORT_DIR.
    """
    server = server_from_params(params)
    if server is None:
        raise ApiError("No Plex Media Server is configured.")
    export_request = exporter.ExportRequest(
        section_id=_id(params, "section_id"),
        user_id=_id(params, "user_id"),
        rating_key=_id(params, "rating_key"),
        file_format=params.text("file_format") or "csv",
        metadata_level=_level(params, "metadata_level", 1),
        media_info_level=_level(params, "media_info_level", 1),
        thumb_level=_level(params, "thumb_level", 0),
        art_level=_level(params, "art_level", 0),
        logo_level=_level(params, "logo_level", 0),
        square_art_level=_level(params, "squareArt_level", 0),
        theme_level=_level(params, "theme_level", 0),
        custom_fields=params.text("custom_fields") or "",
        export_type=params.text("export_type") or "all",
        individual_files=bool(params.bool("individual_files", False)),
    )
    export = exporter.start_export(server, export_request)
    return {
        "result": "success",
        "message": "Metadata export has started.",
        "export_id": export.pk,
    }


# Tautulli's sortable columns of the exports table → our fields.
TABLE_ORDER = {
    "timestamp": F("timestamp"),
    "media_type_title": F("media_type"),
    "rating_key": F("rating_key"),
    "title": F("title"),
    "file_format": F("file_format"),
    "metadata_level": F("metadata_level"),
    "media_info_level": F("media_info_level"),
    "custom_fields": F("custom_fields"),
    "file_size": F("file_size"),
    "complete": F("complete"),
}
TABLE_SEARCH = (
    "media_type",
    "rating_key",
    "title",
    "file_format",
    "metadata_level",
    "media_info_level",
    "custom_fields",
)


@api_command()
def get_exports_table(request, params):
    """Get the data on the Tautulli export tables.

    ```
    Required parameters:
        section_id (str):               The id of the Plex library section, OR
        user_id (str):                  The id of the Plex user, OR
        rating_key (str):               The rating key of the exported item
                                        (none of them: every export)

    Optional parameters:
        order_column (str):             "timestamp", "media_type_title", "rating_key", "title",
                                        "file_format", "metadata_level", "media_info_level",
                                        "custom_fields", "file_size", "complete"
        order_dir (str):                "desc" or "asc"
        start (int):                    Row to start from, 0
        length (int):                   Number of items to return, 25
        search (str):                   A string to search for, "Thrones"
        json_data (str):                a DataTables request instead of the above

    Returns:
        json:
            {"draw": 1,
             "recordsTotal": 10,
             "recordsFiltered": 3,
             "data":
                [{"export_id": 42, "timestamp": 1602823644, "section_id": 1, "user_id": null,
                  "rating_key": null, "media_type": "collection",
                  "media_type_title": "Collection",
                  "title": "Library - Movies - Collection [1]", "filename": null,
                  "file_format": "json", "metadata_level": 1, "media_info_level": 1,
                  "thumb_level": 2, "art_level": 0, "logo_level": 0, "squareArt_level": 0,
                  "theme_level": 0, "custom_fields": "", "individual_files": 1,
                  "file_size": 57793562 (bytes), "complete": 1 (0 running, 1 done, -1 failed),
                  "exported_items": 28, "total_items": 28, "exists": true
                  },
                 {...}
                 ]
             }
    ```
    """
    queryset = Export.objects.all()
    for key in ("section_id", "user_id", "rating_key"):
        value = _id(params, key)
        if value:
            queryset = queryset.filter(**{key: value})
    return queryset_table(
        params,
        queryset,
        order=TABLE_ORDER,
        search_fields=TABLE_SEARCH,
        default_column="timestamp",
        row=exporter.table_row,
    )


@api_command()
def get_export_fields(request, params):
    """Get a list of available custom export fields.

    ```
    Required parameters:
        media_type (str):          The media type of the fields to return: movie, show, season,
                                   episode, artist, album, track, photoalbum, photo, clip,
                                   collection or playlist

    Optional parameters:
        sub_media_type (str):      The child media type for
                                   collections (movie, show, artist, album, photoalbum),
                                   or playlists (video, audio, photo)

    Returns:
        json:
            {"metadata_fields":
                [{"field": "addedAt", "level": 1},
                 ...
                 ],
             "media_info_fields":
                [{"field": "media.aspectRatio", "level": 1},
                 ...
                 ]
            }
    ```
    The level is the lowest metadata/media info level that exports the field (9: only
    "everything"). An unknown media type or a sub media type that does not fit answers
    empty lists, as Tautulli does.
    """
    media_type = (params.text("media_type") or "").lower()
    if media_type == "photo_album":
        media_type = "photoalbum"
    if not media_type:
        raise ApiError("Parameter media_type is required")
    return export_fields_catalogue(media_type, params.text("sub_media_type") or "")


def _export(params) -> Export | None:
    export_id = params.int("export_id", required=True, minimum=0, maximum=ID_MAX)
    return Export.objects.select_related("server").filter(pk=export_id).first()


@api_command(raw=True)
def download_export(request, params):
    """Download an exported metadata file.

    ```
    Required parameters:
        export_id (int):          The row id of the exported file to download

    Optional parameters:
        None

    Returns:
        download
    ```
    The one file of the export (csv, json, xml or m3u; as an attachment), or a zip of its directory when it has
    images or one file per item. An export still running, failed, deleted from disk or
    unknown answers an error envelope (HTTP 400) with Tautulli's message.
    """
    export = _export(params)
    problem = exporter.download_problem(export)
    if problem:
        raise ApiError(problem)
    stream, name, content_type = exporter.download(export)
    # Streamed (FileResponse closes the file once sent).
    return FileResponse(stream, as_attachment=True, filename=name, content_type=content_type)


@api_command()
def delete_export(request, params):
    """Delete exports from Tautulli.

    ```
    Required parameters:
        export_id (int):          The row id of the exported file to delete

    Optional parameters:
        delete_all (bool):        'true' to delete all exported files

    Returns:
        None
    ```
    Deletes the export's row and its files (its directory under EXPORT_DIR); delete_all
    deletes every export (the rows and their directories; other files in EXPORT_DIR stay).
    """
    if params.bool("delete_all", False):
        exporter.delete_all()
        return {"result": "success", "message": "All exports deleted successfully."}
    export_id = params.int("export_id", minimum=0, maximum=ID_MAX)
    export = Export.objects.filter(pk=export_id).first() if export_id is not None else None
    if export is None:
        return {"result": "error", "message": "Failed to delete export."}
    exporter.delete_export(export)
    return {"result": "success", "message": "Export deleted successfully."}
