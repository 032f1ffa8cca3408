"""What the history admin shows of a play at a glance: its poster, its watched mark and its
title with the episode up front (``S01E02 · name``).

Images are signed links (:func:`core.image_links.image_url`): the Plex app serves them resized
and cached, never showing the token. The watched mark is get_history's ``watched_status``
(:func:`history.table.serialize.watched_status`, Tautulli's rule, reference 3.6): 1 watched,
0.75 / 0.5 / 0.25 partly watched by quarters of the watched percent, 0 not watched.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.image_links import image_url

from .models import History, HistoryMetadata
from .table.serialize import percent_ratio, watched_status

# (width, height) in pixels asked of PMS: twice the size shown, for sharp screens.
POSTER_SMALL = (64, 96)
POSTER_LARGE = (240, 360)
MUSIC_TYPES = ("track", "album", "artist")


def metadata_of(play: History) -> HistoryMetadata | None:
    """The play's metadata row (already joined by ``select_related``), or None if missing."""
    try:
        return play.metadata
    except HistoryMetadata.DoesNotExist:
        return None


def poster_url(play: History, size: tuple[int, int] = POSTER_SMALL) -> str:
    """The signed image link of the play's poster at ``size`` (width, height) pixels: an
    episode shows its show's poster (else its season's), a track its album's cover (else the
    artist's), live TV its channel's thumb; the placeholder when the play has none."""
    metadata = metadata_of(play)
    media_type = play.media_type
    if metadata is None:
        img = ""
    elif metadata.live:
        img = metadata.channel_thumb or metadata.thumb
    elif media_type == "episode":
        img = metadata.grandparent_thumb or metadata.parent_thumb or metadata.thumb
    elif media_type == "track":
        img = metadata.parent_thumb or metadata.grandparent_thumb or metadata.thumb
    else:
        img = metadata.thumb
    if metadata is not None and metadata.live:
        fallback = "poster-live"
    else:
        fallback = "cover" if media_type in MUSIC_TYPES else "poster"
    return image_url(play.server_id, img, *size, fallback=fallback)


def poster_img(play: History, size: tuple[int, int] = POSTER_SMALL, css: str = "poster-thumb"):
    """An ``<img>`` of :func:`poster_url` shown at half ``size``, lazily loaded (square for
    music covers)."""
    square = " square" if play.media_type in MUSIC_TYPES else ""
    width, height = size[0] // 2, (size[0] if square else size[1]) // 2
    return format_html(
        '<img class="{}{}" src="{}" loading="lazy" decoding="async" width="{}" height="{}" alt="">',
        css,
        square,
        poster_url(play, size),
        width,
        height,
    )


def play_watched_status(play: History) -> float:
    """Tautulli's ``watched_status`` of the play (1, 0.75, 0.5, 0.25 or 0) by its own view
    offset and its item's duration and credits markers (ms)."""
    metadata = metadata_of(play)
    if metadata is None:
        return 0
    return watched_status(
        play.media_type,
        metadata.live,
        percent_ratio(play.view_offset, metadata.duration),
        play.view_offset,
        metadata.duration,
        metadata.marker_credits_first,
        metadata.marker_credits_final,
    )


def watched_label(status: float) -> str:
    """``"Watched"``, ``"Partially watched (75%)"`` or ``"Not watched"``."""
    if status >= 1:
        return _("Watched")
    if status > 0:
        return _("Partially watched (%(share)d%%)") % {"share": round(status * 100)}
    return _("Not watched")


def watched_mark(play: History):
    """The watched mark: a circle filled by quarters, labelled for screen readers and on
    hover."""
    status = play_watched_status(play)
    label = watched_label(status)
    return format_html(
        '<span class="watched-mark{}" style="--watched: {}" role="img" aria-label="{}" '
        'title="{}"></span>',
        "" if status else " none",
        status,
        label,
        label,
    )


def episode_code(metadata: HistoryMetadata) -> str:
    """``"S01E02"`` of an episode with season and episode numbers, else ""."""
    if metadata.parent_media_index is None or metadata.media_index is None:
        return ""
    return f"S{metadata.parent_media_index:02d}E{metadata.media_index:02d}"


def title_parts(play: History) -> tuple[str, str]:
    """``(heading, detail)`` of the play: ``("The Wire", "S01E02 · The Detail")`` for an
    episode, ``("Track", "Artist · Album")`` for a track, ``("Heat", "1995")`` for a movie with
    its year; the full title (Tautulli's display title) alone otherwise."""
    metadata = metadata_of(play)
    if metadata is None:
        return "—", ""
    if play.media_type == "episode" and metadata.grandparent_title:
        name = " · ".join(part for part in (episode_code(metadata), metadata.title) if part)
        return metadata.grandparent_title, name
    if play.media_type == "track" and metadata.title:
        context = (metadata.original_title or metadata.grandparent_title, metadata.parent_title)
        if any(context):
            return metadata.title, " · ".join(part for part in context if part)
    heading = metadata.full_title or metadata.title or "—"
    return heading, str(metadata.year) if metadata.year and play.media_type == "movie" else ""


def title_cell(play: History):
    """The list's title: the show (or title) with the episode or album below."""
    heading, detail = title_parts(play)
    if not detail:
        return heading
    return format_html('{}<br><span class="poster-sub">{}</span>', heading, detail)


def header_context(play: History, user_name: str) -> dict:
    """What the detail page shows above its tabs: ``{"poster", "square", "heading", "detail",
    "user", "started" (local date and time), "player", "watched": {"status", "label"}}``."""
    heading, detail = title_parts(play)
    status = play_watched_status(play)
    started = timezone.localtime(play.started) if play.started else None
    return {
        "poster": poster_img(play, POSTER_LARGE, "poster-large"),
        "heading": heading,
        "detail": detail,
        "user": user_name,
        "started": date_format(started, "Y-m-d H:i") if started else "",
        "player": " / ".join(part for part in (play.player, play.platform) if part),
        "watched": {"status": status, "label": watched_label(status), "mark": watched_mark(play)},
    }
