"""Typed access to a command's parameters, with Tautulli's loose conventions.

Tautulli passes every parameter as a string; booleans are ``0``/``1`` (also ``true``/``false``),
lists are comma-separated. A malformed value raises :class:`ApiError` with a message naming the
parameter, so the client gets a 400 envelope instead of Tautulli's 500 "Check the logs".

This is the one input check of /api/v2 (:mod:`core.limits` holds the bounds):

* integers are ASCII decimal digits with an optional sign (no ``²``, ``٣``, ``1e3``, ``0x10``)
  within the signed 64-bit range of the database's ids unless the caller narrows it
  (``minimum``/``maximum``); :meth:`Params.offset` bounds row offsets and counts;
* dates are ``YYYY-MM-DD`` and moved into the usable range (:func:`core.limits.clamp_date`:
  ``before=9999-12-31`` means no upper bound);
* text that will be stored (:meth:`Params.text`) has no control characters, which XML cannot
  carry; no parameter may hold a NUL.
"""

from __future__ import annotations

import datetime as dt
import re

from core.environment import FALSE, TRUE
from core.limits import INT64_MAX, INT64_MIN, MAX_LIST_ITEMS, MAX_OFFSET, clamp_date

from .errors import ApiError

_INTEGER = re.compile(r"\s*[+-]?[0-9]{1,25}\s*", re.ASCII)
# C0 and C1 control characters but tab, newline and carriage return, and the two non-characters
# XML 1.0 excludes: none of them may be stored (the XML output could not carry them).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def parse_int(key: str, value: str, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
    """``value`` (decimal ASCII digits, optional sign, surrounding blanks ignored) as an int in
    ``minimum`` .. ``maximum`` (default: signed 64-bit, the database's BIGINT). Raises
    :class:`ApiError` naming ``key`` otherwise. Also for integers inside ``json_data``."""
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        raise ApiError(f"Parameter {key} must be an integer, got {_shown(value)}")
    return check_int(key, int(value), minimum=minimum, maximum=maximum)


def check_int(key: str, number: int, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
    """``number`` if within ``minimum`` .. ``maximum``, else :class:`ApiError` naming ``key``."""
    if number < minimum:
        raise ApiError(f"Parameter {key} must be at least {minimum}")
    if number > maximum:
        raise ApiError(f"Parameter {key} must be at most {maximum}")
    return number


def parse_date(key: str, value: str) -> dt.date:
    """A ``YYYY-MM-DD`` local date, clamped into the usable range (:func:`core.limits.clamp_date`);
    :class:`ApiError` naming ``key`` when it is not such a date (``2026-02-30``, ``10000-01-01``)."""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(f"Parameter {key} must be a date YYYY-MM-DD, got {_shown(value)}") from None
    return clamp_date(day)


def _shown(value) -> str:
    """``value`` for an error message: quoted, and cut when long (a 5000-digit number...)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Params:
    """Read-only view of a command's parameters (a dict of str → str)."""

    def __init__(self, data: dict[str, str]):
        for key, value in data.items():
            if "\x00" in value:
                raise ApiError(f"Parameter {key} contains a null character")
        self._data = data

    def __contains__(self, key):
        return key in self._data

    def without(self, *keys: str) -> Params:
        """The same parameters but ``keys`` (for a command that reads some of them itself)."""
        return Params({key: value for key, value in self._data.items() if key not in keys})

    def as_dict(self) -> dict[str, str]:
        """Every parameter (a copy), for a command that passes a form of fields through."""
        return dict(self._data)

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
        maximum: int | None = None,
    ) -> int | None:
        """``key`` as an int (:func:`parse_int`: ASCII digits, within ``minimum`` .. ``maximum``,
        by default the signed 64-bit range of ids); ``default`` when absent or empty."""
        value = self.str(key, required=required)
        if value is None:
            return default
        return parse_int(
            key,
            value,
            minimum=INT64_MIN if minimum is None else minimum,
            maximum=INT64_MAX if maximum is None else maximum,
        )

    def offset(self, key: str, default: int | None = None, *, required: bool = False) -> int | None:
        """A row offset or count (``start``, ``count``...): 0 .. :data:`core.limits.MAX_OFFSET`."""
        return self.int(key, default, required=required, minimum=0, maximum=MAX_OFFSET)

    def text(self, key: str, default: str | None = None) -> str | None:
        """Free text a command stores (a friendly name, a URL): stripped; :class:`ApiError` when
        it holds control characters (reference: XML 1.0 cannot carry them, and no name needs
        them)."""
        value = self._data.get(key)
        if value is None:
            return default
        if CONTROL_CHARACTERS.search(value):
            raise ApiError(f"Parameter {key} must not contain control characters")
        return value.strip()

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
        """A comma-separated list, blanks dropped (Tautulli's list parameters); at most
        :data:`core.limits.MAX_LIST_ITEMS` items (:class:`ApiError` otherwise)."""
        value = self._data.get(key) or ""
        items = [part.strip() for part in value.split(",") if part.strip()]
        if len(items) > MAX_LIST_ITEMS:
            raise ApiError(f"Parameter {key} must list at most {MAX_LIST_ITEMS} values")
        return items

    def int_list(self, key: str, *, minimum: int = INT64_MIN) -> list[int]:
        """A comma-separated list of ints, each as :func:`parse_int` reads it (64-bit ids)."""
        items = self.str_list(key)
        if not all(_INTEGER.fullmatch(item) for item in items):
            raise ApiError(f"Parameter {key} must be a comma-separated list of integers")
        return [parse_int(key, item, minimum=minimum) for item in items]

    def date(self, key: str) -> dt.date | None:
        """A ``YYYY-MM-DD`` date (the server's local calendar), as Tautulli's before/after,
        clamped into the usable range (:func:`parse_date`)."""
        value = self.str(key)
        return None if value is None else parse_date(key, value)

    def date_list(self, key: str) -> list[dt.date]:
        """A comma-separated list of dates, each as :meth:`date` reads one."""
        return [parse_date(key, item) for item in self.str_list(key)]
