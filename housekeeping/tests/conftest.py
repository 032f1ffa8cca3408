from housekeeping.testing.fixtures import (  # noqa: F401
    fake_overseerr,
    fake_radarr,
    fake_sonarr,
    overseerr_service,
    radarr_service,
    sonarr_service,
)
