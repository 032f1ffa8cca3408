"""What the housekeeping admin pages share: who may act, how an actor is named, posters, sizes."""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from stats.admin_inventory import POSTER_SMALL, item_poster_url

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


def poster_url(item, size: tuple[int, int] = POSTER_SMALL) -> str | None:
    """The signed poster link of inventory ``item`` at ``size`` (width, height) pixels, as the
    inventory shows it (:func:`stats.admin_inventory.item_poster_url`), or None without an
    image."""
    return item_poster_url(item, size)


def item_admin_url(item) -> str:
    """The inventory admin page of ``item``."""
    return reverse("admin:libraries_librarymedia_change", args=[item.pk])
