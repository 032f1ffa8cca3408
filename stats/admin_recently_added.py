"""Recently Added (``/admin/recently-added/``, listed under Libraries): a poster grid of the
items PMS added last, newest first, for every library, one server or one library (Tautulli's
home "Recently Added", read from the inventory rather than asked of PMS on each view).

Movies, episodes and albums are shown (Tautulli's recently added kinds; an album stands for its
tracks). Each tile: the poster (a signed image link, :func:`stats.admin_inventory.item_poster_url`:
an episode shows its show's poster), the title, the episode (``S01E02 · name``) or the year or
artist, the date added and a link to the item's inventory page. One page is
``ORDER BY added_at DESC, id DESC LIMIT 36`` over the ``(server, section_id, added_at)`` or
``(added_at, id)`` index, plus the count and one query of the libraries for the picker.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import F
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_kit.site import AdminPage
from core.image_links import image_url
from libraries.models import Library, LibraryMedia

from .admin_inventory import POSTER_LARGE, episode_code, item_poster_url, item_url, local_date

RECENT_TYPES = ("movie", "episode", "album")
PER_PAGE = 36
# Tiles are shown 120 px wide: ask PMS for twice that (the inventory's large poster).
TILE_POSTER = POSTER_LARGE


def scope_choices() -> tuple[list[dict], bool]:
    """The picker's choices: ``[{"value", "label", "libraries": [{"value", "label"}]}]``, one
    group per server (``value`` ``"<server id>"``) with its libraries (``"<server id>:<section
    id>"``), and whether there are several servers. One query."""
    groups: dict[int, dict] = {}
    for library in Library.objects.select_related("server").order_by("server_id", "section_name"):
        group = groups.setdefault(
            library.server_id,
            {"value": str(library.server_id), "label": library.server.name, "libraries": []},
        )
        group["libraries"].append(
            {"value": f"{library.server_id}:{library.section_id}", "label": str(library)}
        )
    return list(groups.values()), len(groups) > 1


def recent_items(scope: str):
    """Present movies, episodes and albums, newest first, of ``scope``: "" every library,
    ``"<server id>"`` one server, ``"<server id>:<section id>"`` one library. An unreadable
    scope selects nothing."""
    items = LibraryMedia.objects.present().filter(
        media_type__in=RECENT_TYPES, added_at__isnull=False
    )
    server_id, sep, section_id = scope.partition(":")
    if scope and not server_id.isdigit():
        return items.none()
    if server_id:
        items = items.filter(server_id=int(server_id))
    if sep:
        if not section_id.lstrip("-").isdigit():
            return items.none()
        items = items.filter(section_id=int(section_id))
    return items.order_by(F("added_at").desc(), "-id")


def tile(item: LibraryMedia) -> dict:
    """One tile: ``{"poster", "square", "title", "detail", "added", "url"}``."""
    if item.media_type == "episode":
        title = item.grandparent_title or item.title
        detail = " · ".join(part for part in (episode_code(item), item.title) if part)
    elif item.media_type == "album":
        title, detail = item.title, item.parent_title
    else:
        title, detail = item.title, str(item.year or "")
    return {
        # An item without any image gets the placeholder, so every tile has a poster.
        "poster": item_poster_url(item, TILE_POSTER)
        or image_url(item.server_id, "", *TILE_POSTER, fallback="poster"),
        "square": item.media_type == "album",
        "title": title or str(item),
        "detail": detail,
        "added": local_date(item.added_at),
        "url": item_url(item),
    }


def recently_added_page(request):
    """``/admin/recently-added/?scope=&page=``: the grid (see the module docstring)."""
    scope = request.GET.get("scope", "")
    paginator = Paginator(recent_items(scope), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    groups, several_servers = scope_choices()
    context = {
        **admin.site.each_context(request),
        "title": _("Recently added media"),
        "tiles": [tile(item) for item in page.object_list],
        "page_obj": page,
        "scope": scope,
        "groups": groups,
        "several_servers": several_servers,
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/libraries/recently_added.html", context)


admin.site.register_page(
    AdminPage(
        title=_("Recently added media"),
        app_label="libraries",
        urls=(path("recently-added/", recently_added_page, name="libraries_recently_added"),),
        permission=lambda request: request.user.has_perm("libraries.view_librarymedia"),
    )
)
