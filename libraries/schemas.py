"""Schemas of the REST library endpoints (``/api/libraries``)."""

from ninja import Field, Schema

from core.rest_types import Int64, Text

from .models import Library


class LibraryFilters(Schema):
    """Filters of ``GET /api/libraries`` (all optional, combined with AND)."""

    server: Int64 | None = Field(None, description="Server id (see /api/servers).")
    section_type: Text | None = Field(
        None, max_length=32, description="movie, show, artist or photo."
    )
    deleted_section: bool | None = Field(None, description="Sections removed from Plex.")


class LibraryOut(Schema):
    """A Plex library section (Tautulli's ``library_sections`` row)."""

    id: int = Field(description="Library id in this API.")
    server_id: int = Field(description="Server id (see /api/servers).")
    section_id: int = Field(description="Plex section id (unique per server).")
    section_name: str | None = Field(description="Name of the section.")
    section_type: Text | None = Field(description="movie, show, artist or photo.")
    agent: str | None = Field(description="Plex metadata agent.")
    thumb: str | None = Field(description="Thumb: the custom URL, else Plex's path.")
    art: str | None = Field(description="Background art: the custom URL, else Plex's path.")
    count: int | None = Field(description="Items: movies, shows, artists or photos.")
    parent_count: int | None = Field(description="Seasons or albums.")
    child_count: int | None = Field(description="Episodes or tracks.")
    is_active: bool = Field(description="Section still present on the server.")
    do_notify: bool = Field(description="Notifications are sent for plays in this section.")
    do_notify_created: bool = Field(description="Recently-added notifications are sent.")
    keep_history: bool = Field(description="Plays in this section are logged.")
    deleted_section: bool = Field(description="Deleted in Tautulli.")

    @staticmethod
    def resolve_thumb(obj: Library) -> str:
        return obj.library_thumb

    @staticmethod
    def resolve_art(obj: Library) -> str:
        return obj.library_art
