"""Progress lines of a long import: one every ``every`` rows, and a summary line per table.

Lines carry counts, seconds and rates only, never row values (notifier and newsletter configs
hold secrets).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TableResult:
    """What one source table gave: rows read, added, already present; seconds taken."""

    name: str
    source_rows: int = 0
    read: int = 0
    added: int = 0
    existing: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.read / self.seconds if self.seconds > 0 else float(self.read)

    def summary(self, dry_run: bool = False) -> str:
        verb = "would add" if dry_run else "added"
        line = (
            f"{self.name}: {self.read:,} rows, {verb} {self.added:,}, "
            f"{self.existing:,} already present ({self.seconds:.1f} s, {self.rate:,.0f} rows/s)"
        )
        skipped = self.source_rows - self.read
        if skipped > 0:
            line += f"; {skipped:,} skipped (no session_history row)"
        return line


class Progress:
    """Tracks one table at a time and reports through ``write`` (a line-printing callable)."""

    def __init__(self, write: Callable[[str], None] | None, every: int = 100_000):
        self.write = write or (lambda line: None)
        self.every = every
        self.current: TableResult | None = None
        self._started = 0.0
        self._next = every

    def start(self, name: str, source_rows: int) -> TableResult:
        self.current = TableResult(name=name, source_rows=source_rows)
        self._started = time.monotonic()
        self._next = self.every
        return self.current

    def advance(self, read: int, added: int) -> None:
        result = self.current
        result.read += read
        result.added += added
        result.existing = result.read - result.added
        if result.read >= self._next:
            elapsed = time.monotonic() - self._started
            rate = result.read / elapsed if elapsed > 0 else 0
            self.write(
                f"  {result.name}: {result.read:,} / {result.source_rows:,} rows ({rate:,.0f} rows/s)"
            )
            while self._next <= result.read:
                self._next += self.every

    def finish(self, dry_run: bool = False, note: str | None = None) -> TableResult:
        """End the current table; ``note`` replaces the row counts in the line (for a step)."""
        result = self.current
        result.seconds = time.monotonic() - self._started
        self.write(
            f"{result.name}: {note} ({result.seconds:.1f} s)" if note else result.summary(dry_run)
        )
        self.current = None
        return result
