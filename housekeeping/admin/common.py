"""What the housekeeping admin pages share: who may act, how an actor is named, posters, sizes."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse

ACT_PERMISSION = "housekeeping.act_on_candidates"


def can_act(request) -> bool:
    """Whether the user may keep, postpone or act on candidates (staff with
    ``housekeeping.act_on_candidates``)."""
    user = request.user
    return bool(user.is_active and user.is_staff and user.has_perm(ACT_PERMISSION))


def actor_label(request) -> str:
    """``"admin: alice"``: who acted, in the audit's words."""
    return f"admin: {request.user.get_username()}"


def size_text(size: int | None) -> str:
    """Bytes as the admin writes them (``8.0 GB``); "–" when unknown."""
    return filesizeformat(size) if size is not None else "–"


def poster_url(item) -> str | None:
    """The inventory's poster route for ``item`` (served by :mod:`plex.admin`), or None when the
    item has no thumb or the route is not installed."""
    if not item.thumb:
        return None
    try:
        return reverse("admin:libraries_librarymedia_poster", args=[item.pk])
    except NoReverseMatch:
        return None


def item_admin_url(item) -> str:
    """The inventory admin page of ``item``."""
    return reverse("admin:libraries_librarymedia_change", args=[item.pk])
