class ApiError(Exception):
    """Bad input to a command: answered as Tautulli's error envelope with HTTP 400.

    ``message`` is the envelope's message; ``data`` its data (``{}`` by default).
    """

    def __init__(self, message: str | None, data=None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.data = {} if data is None else data
        self.status = status
