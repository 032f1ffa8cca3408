"""Loopback stand-ins for Radarr, Sonarr and Overseerr, built from their documented APIs, for
the tests (:mod:`housekeeping.testing.fixtures` starts them)."""
