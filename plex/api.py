"""REST API endpoints of the plex app (mounted under /api/ by tautulli_project.api)."""

from ninja import Router

router = Router(tags=["plex"])
