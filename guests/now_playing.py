"""What is playing for a guest now: their live streams (:class:`servers.models.Session` rows
the monitor keeps), without the IP address, location or anything of other users."""

from __future__ import annotations

from dataclasses import dataclass

from servers.models import Session

from .display import item_title, poster_url

DECISIONS = {"direct play": "Direct Play", "copy": "Direct Stream", "transcode": "Transcode"}


@dataclass(frozen=True)
class Stream:
    """One stream as shown: ``progress`` 0–100 and ``time_left`` in seconds (from
    ``view_offset`` and ``duration``, ms); ``decision`` Direct Play / Direct Stream / Transcode."""

    title: str
    state: str
    player: str
    product: str
    decision: str
    quality: str
    progress: int
    time_left: int
    poster: str


def now_playing(user_id: int) -> list[Stream]:
    """The active streams (:meth:`SessionQuerySet.active`) of plex.tv user ``user_id``, oldest
    start first. One query."""
    sessions = Session.objects.active().filter(user_id=user_id).order_by("started", "id")
    return [_stream(session) for session in sessions]


def _stream(session: Session) -> Stream:
    duration, offset = session.duration or 0, min(session.view_offset or 0, session.duration or 0)
    return Stream(
        title=item_title(session),
        state=session.state or "",
        player=session.player or session.platform or "",
        product=session.product or "",
        decision=DECISIONS.get(session.transcode_decision or "", ""),
        quality=session.quality_profile or session.stream_video_resolution or "",
        progress=round(100 * offset / duration) if duration else 0,
        time_left=(duration - offset) // 1000,
        poster=poster_url(session.server_id, session),
    )
