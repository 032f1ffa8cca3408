"""Test doubles for talking to Plex: :class:`FakePlexServer`, a real HTTP server on loopback."""

from plex.testing.fake_pms import FakePlexServer, FakeRequest, Route

__all__ = ["FakePlexServer", "FakeRequest", "Route"]
