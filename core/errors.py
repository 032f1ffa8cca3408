"""The error every layer may raise for input that makes no sense.

Domain code (statistics windows, history filters, lookups) raises :class:`InvalidInput` with the
text a client should read; the adapters answer it without knowing who raised it: the /api/v2
dispatcher with Tautulli's error envelope (HTTP 400), the REST API with HTTP 400 and
``{"detail": message}``, the admin's statistics pages with a notice and their default window.
"""


class InvalidInput(ValueError):
    """Bad input: ``message`` is what clients see (e.g. "Parameter after must not be later than
    before"). A :class:`ValueError`, so callers that guard against bad values catch it too."""

    def __init__(self, message: str | None):
        super().__init__(message)
        self.message = message
