"""Schemas of the REST user endpoints (``/api/users``).

Only whitelisted columns are rendered: ``user_token`` and ``server_token`` (secrets) never are.
"""

from ninja import Field, Schema

from core.rest_types import Text

from .models import User


class UserFilters(Schema):
    """Filters of ``GET /api/users`` (all optional, combined with AND)."""

    is_active: bool | None = Field(None, description="Users still sharing the server(s).")
    deleted_user: bool | None = Field(None, description="Users deleted in Tautulli.")
    search: Text | None = Field(
        None,
        max_length=200,
        description="Case-insensitive text contained in the username, friendly name or email.",
    )


class UserOut(Schema):
    """A plex.tv account (Tautulli's ``users`` row), without its tokens."""

    id: int = Field(description="Row id in this app (users are addressed by `user_id`).")
    user_id: int | None = Field(description="plex.tv user id (0 = Local).")
    username: str = Field(description="plex.tv username.")
    friendly_name: str | None = Field(description="Custom name set in Tautulli; null when unset.")
    display_name: str = Field(description="Friendly name when set, else username.")
    title: str | None = Field(description="plex.tv title (display name on plex.tv).")
    email: str | None = Field(description="plex.tv email.")
    thumb: str | None = Field(description="plex.tv avatar URL.")
    user_thumb: str = Field(description="Avatar URL: custom, else plex.tv, else the default.")
    is_active: bool = Field(description="Still shares at least one watched server.")
    is_admin: bool = Field(description="Owner of the server.")
    is_home_user: bool | None = Field(description="Plex Home member.")
    is_allow_sync: bool | None = Field(description="Allowed to download (sync).")
    is_restricted: bool | None = Field(description="Managed (restricted) user.")
    do_notify: bool = Field(description="Notifications are sent for this user.")
    keep_history: bool = Field(description="This user's streams are logged.")
    allow_guest: bool = Field(description="Allowed guest access to Tautulli.")
    deleted_user: bool = Field(description="Deleted in Tautulli.")
    shared_libraries: list[int] = Field(description="Section ids shared with the user.")

    @staticmethod
    def resolve_shared_libraries(obj: User) -> list[int]:
        return [int(s) for s in obj.shared_library_ids if s.strip().lstrip("-").isdigit()]


class UserPatch(Schema):
    """Editable settings of a user; omitted fields are left unchanged."""

    friendly_name: Text | None = Field(
        None, max_length=255, description="Custom name; null or blank to clear it."
    )
    keep_history: bool | None = Field(None, description="Log this user's streams.")
    do_notify: bool | None = Field(None, description="Send notifications for this user.")
    allow_guest: bool | None = Field(None, description="Allow guest access to Tautulli.")
