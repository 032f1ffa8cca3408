"""Schemas of the REST history endpoints (``/api/history``).

Units, as stored (history/models.py): datetimes are ISO 8601 in UTC; ``view_offset`` and
``duration`` are milliseconds; ``play_duration`` and ``paused_counter`` are seconds; bitrates are
kbps, as Plex reports them.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Field, ModelSchema, Schema
from pydantic import ConfigDict

from core.rest_types import Int64, Text, UtcDateTime

from .models import LOGGED_MEDIA_TYPES, History, HistoryMediaInfo, HistoryMetadata

TranscodeDecision = Literal["direct play", "copy", "transcode"]
MediaType = Literal[LOGGED_MEDIA_TYPES]


def related_or_none(obj, relation: str):
    """``obj.<relation>`` for a reverse one-to-one, or None when the row has no such record."""
    try:
        return getattr(obj, relation)
    except ObjectDoesNotExist:
        return None


def _from_related(relation: str, attr: str, default=None):
    """A ninja resolver reading ``obj.<relation>.<attr>`` (``default`` when the record is missing)."""

    def resolve(obj):
        related = related_or_none(obj, relation)
        return getattr(related, attr) if related is not None else default

    return staticmethod(resolve)


# --- query parameters ---------------------------------------------------------------------------
class HistoryFilters(Schema):
    """Filters of ``GET /api/history`` (all optional, combined with AND)."""

    server: Int64 | None = Field(None, description="Server id (see /api/servers).")
    user_id: Int64 | None = Field(None, description="plex.tv user id.")
    rating_key: Int64 | None = Field(None, description="Rating key of the played item.")
    parent_rating_key: Int64 | None = Field(None, description="Season or album rating key.")
    grandparent_rating_key: Int64 | None = Field(None, description="Show or artist rating key.")
    section_id: Int64 | None = Field(None, description="Plex library section id.")
    media_type: MediaType | None = Field(None, description="Media type of the played item.")
    transcode_decision: TranscodeDecision | None = Field(
        None, description="Stream decision: direct play, copy (direct stream) or transcode."
    )
    started_after: UtcDateTime | None = Field(
        None,
        description="Only streams started at or after this ISO 8601 time (UTC when no offset).",
    )
    started_before: UtcDateTime | None = Field(
        None,
        description="Only streams started before this ISO 8601 time (UTC when no offset).",
    )
    search: Text | None = Field(
        None,
        max_length=200,
        description="Case-insensitive text contained in the title or the user's name.",
    )


# --- output -------------------------------------------------------------------------------------
class HistoryItem(Schema):
    """One logged stream (a ``session_history`` row, not grouped), with its metadata's titles."""

    id: int = Field(description="History row id.")
    reference_id: int | None = Field(
        description="Id of the first row of the play this row continues; equals `id` for a "
        "row that starts a play (reference 3.6)."
    )
    server_id: int = Field(description="Server id (see /api/servers).")
    started: dt.datetime | None = Field(description="Stream start, ISO 8601 UTC.")
    stopped: dt.datetime | None = Field(description="Stream stop, ISO 8601 UTC.")
    play_duration: int = Field(
        description="Time played in seconds: stopped − started − paused_counter."
    )
    paused_counter: int = Field(description="Time spent paused, in seconds.")
    view_offset: int | None = Field(
        description="Playback position when the stream stopped, in milliseconds."
    )
    user_id: Int64 | None = Field(description="plex.tv user id.")
    username: str | None = Field(description="Plex username at play time.")
    friendly_name: str | None = Field(
        description="The user's display name (friendly name, else username)."
    )
    media_type: str | None = Field(description="movie, episode or track.")
    rating_key: Int64 | None = Field(description="Rating key of the played item.")
    parent_rating_key: Int64 | None = Field(description="Season or album rating key.")
    grandparent_rating_key: Int64 | None = Field(description="Show or artist rating key.")
    section_id: Int64 | None = Field(description="Plex library section id.")
    title: str | None = Field(description="Title of the item.")
    full_title: str | None = Field(description='Full title, e.g. "Show - Episode".')
    parent_title: str | None = Field(description="Season or album title.")
    grandparent_title: str | None = Field(description="Show or artist title.")
    year: int | None = Field(description="Release year.")
    media_index: int | None = Field(description="Episode or track number.")
    parent_media_index: int | None = Field(description="Season or disc number.")
    guid: str | None = Field(description="Plex guid of the item.")
    duration: int | None = Field(description="Length of the item, in milliseconds.")
    live: bool = Field(description="Live TV stream.")
    player: str | None = Field(description="Player (device) name.")
    platform: str | None = Field(description="Player platform.")
    product: str | None = Field(description="Player product (app).")
    ip_address: str | None = Field(description="Client IP address.")
    location: str | None = Field(description="lan, wan or cellular.")
    secure: bool | None = Field(description="Secure (TLS) connection.")
    relayed: bool | None = Field(description="Stream relayed through plex.tv.")
    transcode_decision: str | None = Field(
        description="direct play, copy (direct stream) or transcode."
    )

    resolve_title = _from_related("metadata", "title")
    resolve_full_title = _from_related("metadata", "full_title")
    resolve_parent_title = _from_related("metadata", "parent_title")
    resolve_grandparent_title = _from_related("metadata", "grandparent_title")
    resolve_year = _from_related("metadata", "year")
    resolve_media_index = _from_related("metadata", "media_index")
    resolve_parent_media_index = _from_related("metadata", "parent_media_index")
    resolve_guid = _from_related("metadata", "guid")
    resolve_duration = _from_related("metadata", "duration")
    resolve_live = _from_related("metadata", "live", default=False)
    resolve_transcode_decision = _from_related("media_info", "transcode_decision")

    @staticmethod
    def resolve_friendly_name(obj: History) -> str | None:
        return obj.user.display_name if obj.user is not None else obj.username


class HistoryPage(Schema):
    """A page of ``GET /api/history``, newest first."""

    items: list[HistoryItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def _describe(**descriptions: str):
    """A ``json_schema_extra`` hook adding field descriptions (units) to a ModelSchema's JSON
    schema while the fields keep the model's column order."""

    def add(schema: dict) -> None:
        for name, text in descriptions.items():
            schema["properties"][name]["description"] = text

    return add


class HistoryMetadataOut(ModelSchema):
    """Metadata of the played item at play time (``session_history_metadata``); lists such as
    ``genres`` are ``;``-joined text, as in Tautulli."""

    model_config = ConfigDict(
        json_schema_extra=_describe(
            duration="Length of the item, in milliseconds.",
            added_at="Added to Plex, ISO 8601 UTC.",
            updated_at="Updated in Plex, ISO 8601 UTC.",
            last_viewed_at="Last viewed, ISO 8601 UTC.",
            marker_credits_first="Start of the first credits marker, in milliseconds.",
            marker_credits_final="Start of the final credits marker, in milliseconds.",
        )
    )

    class Meta:
        model = HistoryMetadata
        exclude = ["history"]


class HistoryMediaInfoOut(ModelSchema):
    """Source, stream and transcode details (``session_history_media_info``)."""

    model_config = ConfigDict(
        json_schema_extra=_describe(
            duration="Length of the media, in milliseconds.",
            bitrate="Source bitrate, kbps.",
            video_bitrate="Source video bitrate, kbps.",
            audio_bitrate="Source audio bitrate, kbps.",
            stream_bitrate="Streamed bitrate, kbps.",
            stream_video_bitrate="Streamed video bitrate, kbps.",
            stream_audio_bitrate="Streamed audio bitrate, kbps.",
            transcode_decision="direct play, copy (direct stream) or transcode.",
        )
    )

    class Meta:
        model = HistoryMediaInfo
        exclude = ["history"]


class HistoryDetail(HistoryItem):
    """One history row with every stored column, its full metadata and media info."""

    product_version: str | None = Field(description="Player product version.")
    platform_version: str | None = Field(description="Player platform version.")
    profile: str | None = Field(description="Plex client profile.")
    machine_id: str | None = Field(description="Player machine identifier.")
    bandwidth: int | None = Field(description="Bandwidth reserved for the stream, kbps.")
    quality_profile: str | None = Field(description="Quality profile chosen by the player.")
    metadata: HistoryMetadataOut | None = Field(description="Null when none was recorded.")
    media_info: HistoryMediaInfoOut | None = Field(description="Null when none was recorded.")

    @staticmethod
    def resolve_metadata(obj: History):
        return related_or_none(obj, "metadata")

    @staticmethod
    def resolve_media_info(obj: History):
        return related_or_none(obj, "media_info")
