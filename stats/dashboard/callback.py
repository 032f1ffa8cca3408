"""The dashboard: the admin's home page with the home-stat cards and every graph."""

from __future__ import annotations

from core.freshness import fresh_reads
from servers.models import Server

from .cards import cards
from .charts import charts_with_growth
from .guard import can_view_statistics, guarded
from .selector import range_selector, window_from_request


@fresh_reads()
def dashboard_context(request) -> dict:
    """Everything the dashboard template needs (``{"dashboard": {"window", "message",
    "selector", "server_name", "cards", "charts"}}``), or ``{}`` for a user who may not view
    history (the index then shows the app list only). ``cards`` is None when they failed."""
    if not can_view_statistics(request):
        return {}
    window, message = window_from_request(request)
    servers = list(Server.objects.order_by("name", "id").values_list("id", "name"))
    return {
        "dashboard": {
            "window": window,
            "message": message,
            "selector": range_selector(request, window, servers=servers, fallback=bool(message)),
            "server_name": dict(servers).get(window.server_id, ""),
            "cards": guarded("home stats", cards, window),
            "charts": charts_with_growth(window),
        }
    }


def dashboard_callback(request, context: dict) -> dict:
    """Unfold's ``DASHBOARD_CALLBACK``: the admin index's context plus the dashboard."""
    context.update(dashboard_context(request))
    return context
