"""What the other parts read about backups (issue 16 contract)."""

from __future__ import annotations

from .models import Backup


def last_backup(kind: str = Backup.DATABASE) -> Backup | None:
    """The newest :class:`Backup` of ``kind`` (``"database"`` or ``"config"``) by start time,
    failed or not (``error``, ``verified`` say how it went), or None when there is none."""
    return Backup.objects.filter(kind=kind).order_by("-started_at", "-id").first()
