"""What every statistics block of the admin shares: who may see statistics, and a block whose
statistic fails without breaking the page."""

import logging

logger = logging.getLogger("stats.dashboard")


def can_view_statistics(request) -> bool:
    """Statistics are history: shown to staff who may view history."""
    return request.user.is_active and request.user.has_perm("history.view_history")


def guarded(what: str, function, *args):
    """``function(*args)``, or None when it raises: the error is logged and the page shows that
    block as "could not be computed" instead of failing whole (the admin's home must stay
    reachable whatever a statistic does)."""
    try:
        return function(*args)
    except Exception:
        logger.exception("Statistics page: %s failed", what)
        return None
