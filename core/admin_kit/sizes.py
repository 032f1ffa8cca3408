"""Sizes in bytes as the admin shows and takes them: :func:`parse_size` ("4 TB" → bytes) and
:class:`ByteSizeField`, a form field for a byte count typed with a unit.

The admin writes sizes with Django's ``filesizeformat`` (powers of 1024 named KB, MB, GB, TB,
as operating systems show disks), so a typed "4 TB" is 4 × 1024⁴ bytes: what is typed reads
back the same. ``KiB``/``MiB``/``GiB``/``TiB`` are accepted as the same units.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminTextInputWidget

UNITS = {"": 0, "b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_SIZE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([kmgtp]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``"4 TB"``, ``"500gb"``, ``"1.5 TiB"``, ``"1234"`` (bytes) → bytes (int; units are powers
    of 1024). Raises ``ValueError`` for anything else (negative, no number, unknown unit)."""
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"not a size: {text!r}")
    number, unit = match.groups()
    try:
        value = Decimal(number.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets digits through
        raise ValueError(f"not a size: {text!r}") from exc
    return int(value * 1024 ** UNITS[unit.lower()])


def format_size_exact(size: int) -> str:
    """Bytes as the largest unit that writes them exactly (``4398046511104`` → ``"4 TB"``,
    ``1500`` → ``"1500"``): what :class:`ByteSizeField` shows in its input."""
    for name, power in (("PB", 5), ("TB", 4), ("GB", 3), ("MB", 2), ("KB", 1)):
        whole, rest = divmod(size, 1024**power)
        if whole and not rest:
            return f"{whole} {name}"
    return str(size)


class ByteSizeField(forms.Field):
    """A byte count typed as ``4 TB``, ``750 GB`` or a plain number of bytes (empty: None)."""

    widget = UnfoldAdminTextInputWidget
    default_error_messages = {
        "invalid": _("Type a size such as 4 TB, 750 GB or a number of bytes."),
    }

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_size_exact(value)
        return value

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_size(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True
