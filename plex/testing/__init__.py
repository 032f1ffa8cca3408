"""Test doubles for talking to Plex: :class:`FakePlexServer`, a real HTTP server on loopback."""

from plex.testing.fake_pms import FakePlexServer, FakeRequest, Listing, Route
from plex.testing.monitoring import attach_handler

__all__ = ["FakePlexServer", "FakeRequest", "Listing", "Route", "attach_handler"]
