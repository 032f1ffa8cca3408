"""Our Prometheus gauges, read from the database at each scrape (every process sees the same).

* ``tautulli_streams``: streams playing now (active session rows);
* ``tautulli_plays``: plays written to history (rows);
* ``tautulli_task_queue``: tasks waiting in the django-q2 broker.

django-prometheus adds the request, response and database metrics of the process that answers
(its middleware, on when ``PROMETHEUS_METRICS`` is).
"""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

_lock = threading.Lock()
_registered = False


class Collector:
    def collect(self):
        from django_q.brokers import get_broker

        from history.models import History
        from servers.models import Session

        yield GaugeMetricFamily(
            "tautulli_streams", "Streams playing now.", value=Session.objects.active().count()
        )
        yield GaugeMetricFamily(
            "tautulli_plays", "Plays written to history.", value=History.objects.count()
        )
        yield GaugeMetricFamily(
            "tautulli_task_queue",
            "Tasks waiting in the django-q2 broker.",
            value=get_broker().queue_size() or 0,
        )


def register() -> None:
    """Add :class:`Collector` to prometheus_client's registry, once per process."""
    global _registered
    with _lock:
        if not _registered:
            REGISTRY.register(Collector())
            _registered = True
