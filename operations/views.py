"""The staff health report (admin page and JSON), the log viewer and ``/metrics``.

* ``/admin/health/`` (Settings › Health) and ``/health/report`` (JSON): every check of
  :mod:`operations.checks`; staff only (``/health/report`` answers 403 JSON to others). The
  uptime monitors' ``/health`` stays in :mod:`core.views` (database only, no login).
* ``/admin/logs/`` (Settings › Logs): the application log, newest first, filtered by level and
  a search text, :data:`PER_PAGE` records a page; ``?download=1`` streams the file.
* ``/metrics``: Prometheus' text format (django-prometheus' exporter) when
  ``PROMETHEUS_METRICS`` is on (404 otherwise), for staff or with
  ``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import hmac
import re

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import checks, logs

PER_PAGE = 100


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_staff)


def report() -> dict:
    """``{"status": "ok"|"warning"|"error", "checks": [Result.as_dict()]}``."""
    results = checks.run_checks()
    return {"status": checks.overall(results), "checks": [r.as_dict() for r in results]}


@never_cache
def health_report(request):
    """``/health/report``: the report as JSON, for staff (403 otherwise). HTTP 200 whatever the
    checks say (the body's ``status`` does)."""
    if not is_staff(request):
        return JsonResponse({"status": "error", "message": "Staff only."}, status=403)
    return JsonResponse(report())


def health_page(request):
    """``/admin/health/``: the report as a page."""
    from django.contrib import admin

    data = report()
    context = {
        **admin.site.each_context(request),
        "title": _("Health"),
        "overall": data["status"],
        "results": data["checks"],
        "json_url": "/health/report",
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/operations/health.html", context)


def logs_page(request):
    """``/admin/logs/?level=WARNING&q=text&page=2`` (``download=1``: the file itself)."""
    from django.contrib import admin

    if request.GET.get("download"):
        return download_response()
    level = request.GET.get("level", "").upper()
    level = level if level in logs.LEVELS else ""
    search = request.GET.get("q", "").strip()[:200]
    try:
        number = max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        number = 1
    records, more = logs.page(number, PER_PAGE, level=level, search=search)
    context = {
        **admin.site.each_context(request),
        "title": _("Logs"),
        "records": records,
        "level": level,
        "levels": logs.LEVELS,
        "search": search,
        "page": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if more else None,
        "log_file": str(logs.log_file()),
        "exists": logs.log_file().exists(),
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/operations/logs.html", context)


def download_response() -> FileResponse:
    """The log file as an attachment (404 when there is none yet)."""
    path = logs.log_file()
    if not path.exists():
        raise Http404("No log file yet.")
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=path.name, content_type="text/plain"
    )


_BEARER = re.compile(r"^Bearer\s+(\S+)$")


@never_cache
def metrics(request):
    """``/metrics`` (see the module doc)."""
    if not settings.PROMETHEUS_METRICS:
        raise Http404("Metrics are off (PROMETHEUS_METRICS).")
    token = settings.METRICS_TOKEN
    given = _BEARER.match(request.headers.get("Authorization", ""))
    allowed = is_staff(request) or bool(
        token and given and hmac.compare_digest(given.group(1), token)
    )
    if not allowed:
        return HttpResponse("Staff or METRICS_TOKEN only.\n", status=403, content_type="text/plain")
    from django_prometheus.exports import ExportToDjangoView

    from .metrics import register

    register()
    return ExportToDjangoView(request)
