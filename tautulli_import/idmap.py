"""How a source's ids become ours: per-group offsets, kept in ``TautulliImport.id_offsets``.

Tautulli's ids are kept (history ids and ``reference_id`` must stay equal so that grouped plays
stay grouped, and clients link to ``row_id``). Stored id = source id + offset, where the offset
is 0 when the source's ids are free in our table (the normal case) and moves the ids past the
highest id in use when they are not (a second server's Tautulli database).

A re-import of a newer copy reuses the stored offsets, so already-imported rows map to the same
ids and are skipped. Its new rows (ids above the previous ``max_id``) keep the last offset unless
that would land on rows written since (e.g. by live monitoring); then they start a new segment
past the highest id in use. Every source id therefore maps to exactly one id, for good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .sql import int_sql


@dataclass
class IdMap:
    """Segments ``[start, offset]`` in ascending ``start``; ``max_id`` is the highest source id seen.

    The first segment's offset also applies below its start.
    """

    segments: list[list[int]] = field(default_factory=list)
    max_id: int | None = None

    @classmethod
    def from_state(cls, state: dict | None) -> IdMap:
        state = state or {}
        return cls(
            segments=[[int(s), int(o)] for s, o in state.get("segments") or []],
            max_id=None if state.get("max_id") is None else int(state["max_id"]),
        )

    def to_state(self) -> dict:
        return {"segments": [list(s) for s in self.segments], "max_id": self.max_id}

    def map(self, source_id: int | None) -> int | None:
        """Python twin of :meth:`sql`: the stored id of ``source_id``."""
        if source_id is None:
            return None
        offset = self.segments[0][1] if self.segments else 0
        for start, off in self.segments:
            if source_id >= start:
                offset = off
        return source_id + offset

    def sql(self, column_sql: str) -> str:
        """SQLite expression of the stored id for a source integer column (NULL stays NULL)."""
        value = int_sql(column_sql)
        if not any(off for _, off in self.segments):
            return value
        if len(self.segments) == 1:
            return f"({value} + {self.segments[0][1]})"
        whens = " ".join(
            f"WHEN {value} >= {start} THEN {off}" for start, off in reversed(self.segments[1:])
        )
        return f"({value} + CASE {whens} ELSE {self.segments[0][1]} END)"

    def extended(
        self,
        source_range: tuple[int, int] | None,
        ids_in_use: Callable[[int, int], bool],
        highest_in_use: Callable[[], int],
    ) -> IdMap:
        """The map for a run whose source ids span ``source_range`` (``(min, max)`` or None).

        ``ids_in_use(lo, hi)`` tells whether our table has any id in ``[lo, hi]``;
        ``highest_in_use()`` is our table's highest id (0 when empty).
        """
        if source_range is None:
            return IdMap(list(self.segments), self.max_id)
        low, high = source_range
        if not self.segments:
            offset = 0 if not ids_in_use(low, high) else highest_in_use() - low + 1
            return IdMap([[low, offset]], high)
        segments = [list(s) for s in self.segments]
        if self.max_id is not None and high <= self.max_id:
            return IdMap(segments, self.max_id)
        start = (self.max_id + 1) if self.max_id is not None else low
        last = segments[-1][1]
        if ids_in_use(start + last, high + last):
            segments.append([start, highest_in_use() - start + 1])
        return IdMap(segments, high)
