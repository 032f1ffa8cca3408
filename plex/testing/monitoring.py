"""The monitor's handler wired to a fake PMS, for tests that play on the fake and need what the
monitor does (history, events): :func:`attach_handler`."""

from __future__ import annotations


def attach_handler(pms, server, **kwargs):
    """An :class:`~plex.activity.handler.ActivityHandler` of ``server`` on the fake's clock
    (epoch seconds), fed every websocket notification of the fake's viewers as it happens.
    ``kwargs`` go to the handler (default ``timeout=5``)."""
    from plex.activity.handler import ActivityHandler

    handler = ActivityHandler(
        server, clock=lambda: pms.clock.now_ms / 1000, **{"timeout": 5, **kwargs}
    )

    def deliver(message):
        for item in message["NotificationContainer"]["PlaySessionStateNotification"]:
            handler.process(item)

    pms.timeline.listeners.append(deliver)
    return handler
