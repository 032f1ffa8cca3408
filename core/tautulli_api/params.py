"""Typed access to a command's parameters, with Tautulli's loose conventions.

Tautulli passes every parameter as a string; booleans are ``0``/``1`` (also ``true``/``false``),
lists are comma-separated. A malformed value raises :class:`ApiError` with a message naming the
parameter, so the client gets a 400 envelope instead of Tautulli's 500 "Check the logs".
"""

import datetime as dt

from core.environment import FALSE, TRUE

from .errors import ApiError


class Params:
    """Read-only view of a command's parameters (a dict of str → str)."""

    def __init__(self, data: dict[str, str]):
        for key, value in data.items():
            if "\x00" in value:
                raise ApiError(f"Parameter {key} contains a null character")
        self._data = data

    def __contains__(self, key):
        return key in self._data

    def without(self, *keys: str) -> "Params":
        """The same parameters but ``keys`` (for a command that reads some of them itself)."""
        return Params({key: value for key, value in self._data.items() if key not in keys})

    def raw(self, key: str, default=None):
        return self._data.get(key, default)

    def str(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self._data.get(key)
        if value is None or value == "":
            if required:
                raise ApiError(f"Parameter {key} is required")
            return default
        return value

    def int(
        self,
        key: str,
        default: int | None = None,
        *,
        required: bool = False,
        minimum: int | None = None,
    ) -> int | None:
        value = self.str(key, required=required)
        if value is None:
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise ApiError(f"Parameter {key} must be an integer, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise ApiError(f"Parameter {key} must be at least {minimum}")
        return number

    def bool(self, key: str, default: bool | None = None) -> bool | None:
        value = self._data.get(key)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False if lowered else default
        raise ApiError(f"Parameter {key} must be 0 or 1, got {value!r}")

    def str_list(self, key: str) -> list[str]:
        """A comma-separated list, blanks dropped (Tautulli's list parameters)."""
        value = self._data.get(key) or ""
        return [part.strip() for part in value.split(",") if part.strip()]

    def int_list(self, key: str) -> list[int]:
        items = self.str_list(key)
        try:
            return [int(item) for item in items]
        except ValueError:
            raise ApiError(f"Parameter {key} must be a comma-separated list of integers") from None

    def date(self, key: str) -> dt.date | None:
        """A ``YYYY-MM-DD`` date (the server's local calendar), as Tautulli's before/after."""
        value = self.str(key)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ApiError(f"Parameter {key} must be a date YYYY-MM-DD, got {value!r}") from None
