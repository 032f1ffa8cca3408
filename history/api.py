"""REST API endpoints of the history app (mounted under /api/ by tautulli_project.api)."""

from ninja import Router

router = Router(tags=["history"])
