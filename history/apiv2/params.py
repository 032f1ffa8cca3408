"""The history commands' shared /api/v2 parameters, parsed into typed values.

Domain code (:mod:`history.stats`, :mod:`history.table`) takes these values, never ``Params``.
"""

from django.conf import settings
from django.db.models import QuerySet

from core.tautulli_api import Params
from servers.apiv2 import server_from_params

from ..models import History
from ..stats import DEFAULT_QUERY_DAYS


def grouping_param(params: Params) -> bool:
    """``grouping`` 0/1 (also true/false); absent → ``settings.GROUP_HISTORY_TABLES``."""
    return bool(params.bool("grouping", default=settings.GROUP_HISTORY_TABLES))


def query_days_param(params: Params) -> list[int]:
    """``query_days`` as a list of non-negative ints ("1,7,30,0"); absent → 1, 7, 30, 0.
    Each is a signed 64-bit int (:meth:`Params.int_list`); ApiError naming it otherwise."""
    return params.int_list("query_days", minimum=0) or list(DEFAULT_QUERY_DAYS)


def history_in_scope(params: Params) -> QuerySet:
    """History of the optional ``server`` parameter (id, name or machine identifier), of every
    server without it; an unknown server raises :class:`~core.errors.InvalidInput`."""
    return History.objects.for_server(server_from_params(params, default_first=False))
