"""One log line per change of state, not one per request or poll.

A condition that holds across many calls (a server without URL, PMS down for every
``get_activity`` of a dashboard polling each second) is logged by :func:`warn_once` the first
time, and again only when its message changes or after :func:`clear` says it went away::

    try:
        ...
    except PlexUnavailable as exc:
        warn_once(logger, ("pms", server.pk, "get_activity"), "get_activity: %s", exc)
    else:
        clear(("pms", server.pk))  # every condition of this server: it answered

Keys are tuples naming the subject and the condition; :func:`clear` takes a key or a prefix of
keys. The state is per process (each gunicorn worker logs a condition once) and bounded
(:data:`MAX_CONDITIONS`, the oldest forgotten first, which at worst logs one more line).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

MAX_CONDITIONS = 1000

_lock = threading.Lock()
_reported: OrderedDict[tuple, str] = OrderedDict()  # key → the message last logged for it


def warn_once(logger: logging.Logger, key: tuple, msg: str, *args, level=logging.WARNING) -> bool:
    """Log ``msg % args`` at ``level`` on ``logger`` unless condition ``key`` was already
    logged with this same message and not cleared since. Returns whether a line was logged."""
    text = msg % args if args else msg
    with _lock:
        if _reported.get(key) == text:
            return False
        _reported[key] = text
        _reported.move_to_end(key)
        while len(_reported) > MAX_CONDITIONS:
            _reported.popitem(last=False)
    logger.log(level, msg, *args)
    return True


def clear(prefix: tuple) -> bool:
    """The conditions whose key starts with ``prefix`` (``("pms", 3)`` clears ``("pms", 3,
    "get_activity")``; a whole key clears itself) no longer hold: their next
    :func:`warn_once` logs again. Returns whether any was reported."""
    if not _reported:  # the common case, without the lock: nothing is wrong
        return False
    size = len(prefix)
    with _lock:
        keys = [key for key in _reported if key[:size] == prefix]
        for key in keys:
            del _reported[key]
    return bool(keys)


def reset() -> None:
    """Forget every condition (tests start from a clean state)."""
    with _lock:
        _reported.clear()
