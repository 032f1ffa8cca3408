"""REST API endpoints of the servers app (mounted under /api/ by tautulli_project.api)."""

from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate

from core.pagination import BoundedLimitOffsetPagination

from .models import Server
from .schemas import ServerOut

router = Router(tags=["servers"])


@router.get("", response=list[ServerOut], summary="List servers")
@paginate(BoundedLimitOffsetPagination)
def list_servers(request):
    """The watched Plex servers by id, as `{"items": [...], "count": total}`."""
    return Server.objects.order_by("id")


@router.get("/{server_id}", response=ServerOut, summary="Get a server")
def get_server(request, server_id: int):
    """One server; 404 when unknown."""
    return get_object_or_404(Server, pk=server_id)
