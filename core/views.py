from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from health_check.checks import Database
from health_check.exceptions import HealthCheckException


@never_cache
def health(request):
    """``/health``, for uptime monitors and the Docker HEALTHCHECK: no login, one ``SELECT 1``
    (django-health-check's ``Database`` check, on a connection opened for it when none is).

    200 ``{"status": "ok", "database": "ok"}`` when the database answers, else 503
    ``{"status": "error", "database": "unavailable"}``. The staff report with every check is
    ``/health/report`` and the admin's Settings › Health (the operations app).
    """
    try:
        Database().run()
    except HealthCheckException:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
