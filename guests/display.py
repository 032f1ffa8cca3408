"""How an item reads on the guest pages: its title line and poster, for History rows and live
sessions alike (both carry Plex's item columns, :class:`servers.columns.ItemColumns`)."""

from __future__ import annotations

from core.image_links import image_url

POSTER_WIDTH, POSTER_HEIGHT = 80, 120  # shown at 40 × 60 px: twice the size for sharp screens


def item_title(item) -> str:
    """``Show — S01E02 · Episode`` for an episode, ``Artist — Track`` for a track, else the
    title (a movie's with its year when known)."""
    title = item.title or item.full_title or "Unknown"
    if item.media_type == "episode" and item.grandparent_title:
        number = ""
        if item.parent_media_index is not None and item.media_index is not None:
            number = f"S{item.parent_media_index:02d}E{item.media_index:02d} · "
        return f"{item.grandparent_title} — {number}{title}"
    if item.media_type == "track" and item.grandparent_title:
        return f"{item.grandparent_title} — {title}"
    year = getattr(item, "year", None)
    return f"{title} ({year})" if item.media_type == "movie" and year else title


def poster_url(server_id: int | None, item) -> str:
    """The item's poster through the image proxy (an episode shows its show's, a track its
    album's): a signed ``/image/...`` URL, never the Plex token. ``item`` None: the
    placeholder."""
    if item is None:
        return image_url(None, None, POSTER_WIDTH, POSTER_HEIGHT)
    if item.media_type == "episode":
        img = item.grandparent_thumb or item.thumb
        fallback = "poster"
    elif item.media_type == "track":
        img = item.parent_thumb or item.thumb
        fallback = "cover"
    else:
        img, fallback = item.thumb, "poster"
    height = POSTER_WIDTH if fallback == "cover" else POSTER_HEIGHT
    return image_url(server_id, img, POSTER_WIDTH, height, fallback)
