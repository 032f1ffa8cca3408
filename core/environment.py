"""The environment as settings.py reads it: :class:`Environment`, typed values with their defaults,
and never an exception.

A value that cannot be used (``MOVIE_WATCHED_PERCENT=abc``, ``WATCHED_MARKER=7``,
``TIME_ZONE=Mars/Olympus``) is replaced by the variable's default and kept as a
:class:`Problem`; settings.py stores them in ``ENVIRONMENT_PROBLEMS``, and the system check
``core.E001`` (:mod:`core.checks`) reports each on one line naming the variable. ``manage.py
check``, ``migrate`` and ``runserver`` then stop with those lines instead of a traceback from the
settings import.

Read by hand rather than with django-environ: that library takes a value starting with ``$`` as
the name of another variable to read (a ``SECRET_KEY`` or an API key starting with ``$`` would
change meaning) and raises on a value it cannot cast, which is what this module is for.
"""

from __future__ import annotations

import logging
import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Yes/no words, lower case (also what /api/v2's boolean parameters take, core.tautulli_api.params).
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})
ZONEINFO_ROOT = Path("/usr/share/zoneinfo")  # where Django itself looks for TIME_ZONE


@dataclass(frozen=True)
class Problem:
    """A variable whose value was not used: ``variable``, its ``value`` as set, why (``reason``,
    e.g. "is not an integer") and the ``default`` used instead."""

    variable: str
    value: str
    reason: str
    default: object

    def __str__(self) -> str:
        return f"{self.variable}={self.value!r} {self.reason}; {self.default!r} is used instead."


class Environment:
    """Typed reads of environment variables (``os.environ`` unless another mapping is given).

    Every method takes the variable's name and its default (the value used when the variable is
    unset, and when its value is bad: then a :class:`Problem` is added to :attr:`problems`).
    Leading and trailing spaces are ignored, except by :meth:`str`.
    """

    def __init__(self, environ: Mapping[str, str] | None = None):
        self.environ = os.environ if environ is None else environ
        self.problems: list[Problem] = []

    def _bad(self, name: str, value: str, reason: str, default):
        self.problems.append(Problem(name, value, reason, default))
        return default

    def str(self, name: str, default: str = "") -> str:
        """The value as set (an empty value is kept)."""
        return self.environ.get(name, default)

    def path(self, name: str, default: Path) -> Path:
        """The value as an absolute path (relative to the current directory)."""
        return Path(self.environ.get(name, default)).resolve()

    def int(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        """A whole number within ``minimum``..``maximum`` (inclusive, each optional)."""
        raw = self.environ.get(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            return self._bad(name, raw, "is not a whole number", default)
        if minimum is not None and maximum is not None and not minimum <= value <= maximum:
            return self._bad(name, raw, f"is not between {minimum} and {maximum}", default)
        if minimum is not None and value < minimum:
            return self._bad(name, raw, f"is less than {minimum}", default)
        if maximum is not None and value > maximum:
            return self._bad(name, raw, f"is more than {maximum}", default)
        return value

    def bool(self, name: str, default: bool) -> bool:
        """``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``/empty, in any case."""
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        return self._bad(name, raw, "is not 1/0, true/false, yes/no or on/off", default)

    def list(self, name: str, default: str = "") -> list[str]:
        """Comma-separated values, each stripped, empty ones dropped."""
        return [item.strip() for item in self.environ.get(name, default).split(",") if item.strip()]

    def log_level(self, name: str, default: str) -> str:
        """A level name of :mod:`logging` (``DEBUG``, ``INFO``, ``WARNING``...; any case)."""
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().upper()
        if value not in logging.getLevelNamesMapping():
            return self._bad(name, raw, "is not a logging level (DEBUG, INFO, WARNING...)", default)
        return value

    def time_zone(self, name: str, fallback: str, default: str = "UTC") -> str:
        """An IANA time zone (``Europe/Paris``) from ``name``, or from ``fallback`` when ``name``
        is unset (``TIME_ZONE``, else ``TZ``); an empty value means ``default``."""
        used = name if name in self.environ else fallback
        raw = self.environ.get(used, "")
        value = raw.strip()
        if not value:
            return default
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return self._bad(used, raw, "is not a known time zone", default)
        # Django refuses a zone missing from the system's database, which it checks itself.
        if ZONEINFO_ROOT.exists() and not ZONEINFO_ROOT.joinpath(*value.split("/")).exists():
            return self._bad(used, raw, f"is not a time zone of {ZONEINFO_ROOT}", default)
        return value
