"""pytest fixtures starting the fakes (and MediaService rows pointing at them)."""

from __future__ import annotations

import pytest

from housekeeping.testing.fake_overseerr import FakeOverseerr
from housekeeping.testing.fake_radarr import FakeRadarr
from housekeeping.testing.fake_sonarr import FakeSonarr


def _service(fake, kind, name):
    from housekeeping.models import MediaService

    return MediaService.objects.create(name=name, kind=kind, url=fake.url, api_key=fake.api_key)


@pytest.fixture
def fake_radarr():
    fake = FakeRadarr()
    yield fake
    fake.stop()


@pytest.fixture
def fake_sonarr():
    fake = FakeSonarr()
    yield fake
    fake.stop()


@pytest.fixture
def fake_overseerr():
    fake = FakeOverseerr()
    yield fake
    fake.stop()


@pytest.fixture
def radarr_service(db, fake_radarr):
    """A MediaService "Main" (radarr) on :func:`fake_radarr`."""
    return _service(fake_radarr, "radarr", "Main")


@pytest.fixture
def sonarr_service(db, fake_sonarr):
    """A MediaService "TV" (sonarr) on :func:`fake_sonarr`."""
    return _service(fake_sonarr, "sonarr", "TV")


@pytest.fixture
def overseerr_service(db, fake_overseerr):
    """A MediaService "Requests" (overseerr) on :func:`fake_overseerr`."""
    return _service(fake_overseerr, "overseerr", "Requests")
