"""Test doubles for talking to Plex: :class:`FakePlexServer`, a real HTTP server on loopback."""

from plex.testing.fake_pms import FakePlexServer, FakeRequest, Route
from plex.testing.monitoring import attach_handler

__all__ = ["FakePlexServer", "FakeRequest", "Route", "attach_handler"]
