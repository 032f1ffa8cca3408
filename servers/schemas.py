"""Schemas of the REST server endpoints (``/api/servers``).

The Plex token is write-only: it is never rendered, only ``has_token`` tells whether one is set.
"""

import datetime as dt

from ninja import Field, Schema

from .models import Server


class ServerOut(Schema):
    """A watched Plex Media Server."""

    id: int = Field(description="Server id (the `server` filter of other endpoints).")
    name: str = Field(description="Server name.")
    url: str = Field(description="Base URL, e.g. http://192.168.1.10:32400.")
    machine_identifier: str | None = Field(description="PMS machineIdentifier.")
    version: str = Field(description="Plex Media Server version.")
    platform: str = Field(description="Server platform.")
    plexpass: bool = Field(description="The server owner has Plex Pass.")
    is_active: bool = Field(description="The server is monitored.")
    has_token: bool = Field(description="A Plex token is set (the token itself is never shown).")
    created_at: dt.datetime = Field(description="Added to this app, ISO 8601 UTC.")

    @staticmethod
    def resolve_has_token(obj: Server) -> bool:
        return bool(obj.token)
