"""The one clock the code reads: now, today and epoch seconds.

Everything that asks "what time is it" comes here (durations and timeouts use
``time.monotonic()``, which is not the wall clock). Tests move this clock with time-machine
(the root ``conftest.py`` freezes every test at one instant), so no test depends on the day it
runs; the state machine of the monitor takes a ``clock`` argument (default :func:`epoch`) so that
its tests can drive PMS's own clock.
"""

import datetime as dt
import time

from django.utils import timezone


def now() -> dt.datetime:
    """The current instant, an aware UTC datetime (``django.utils.timezone.now``)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the server's time zone (``settings.TIME_ZONE``)."""
    return timezone.localdate()


def epoch() -> float:
    """The current instant in epoch seconds (float), as Tautulli's ``sessions`` columns count."""
    return time.time()
