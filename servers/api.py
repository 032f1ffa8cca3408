"""REST API endpoints of the servers app (mounted under /api/ by tautulli_project.api)."""

from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate

from core.pagination import BoundedLimitOffsetPagination
from core.rest_types import Int64, error_responses

from .models import Server
from .schemas import ServerOut

router = Router(tags=["servers"])


@router.get("", response={200: list[ServerOut], **error_responses()}, summary="List servers")
@paginate(BoundedLimitOffsetPagination)
def list_servers(request):
    """The watched Plex servers by id, as `{"items": [...], "count": total}`."""
    return Server.objects.order_by("id")


@router.get(
    "/{server_id}", response={200: ServerOut, **error_responses(404)}, summary="Get a server"
)
def get_server(request, server_id: Int64):
    """One server; 404 when unknown."""
    return get_object_or_404(Server, pk=server_id)
