from core.errors import InvalidInput


class ApiError(InvalidInput):
    """Bad input to a command: answered as Tautulli's error envelope with HTTP 400.

    ``message`` is the envelope's message; ``data`` its data (``{}`` by default). Raised by the
    /api/v2 adapters (parameter parsing, command checks); domain code raises
    :class:`core.errors.InvalidInput`, which the dispatcher answers the same way (and the REST
    API, where an ApiError from a shared adapter helper is also answered 400).
    """

    def __init__(self, message: str | None, data=None, status: int = 400):
        super().__init__(message)
        self.data = {} if data is None else data
        self.status = status
