"""The admin site: unfold's, plus a registry of extra pages that an app adds to the admin.

:class:`AdminSite` is Django's default site here (``admin.site``, what ``@admin.register`` uses):
:class:`core.admin_kit.apps.AdminConfig` names it as ``default_site`` and replaces
``django.contrib.admin`` in ``INSTALLED_APPS`` (with ``unfold.apps.BasicAppConfig``, which, unlike
``"unfold"``, leaves the default site alone).

An extra page is a page that is no model's changelist (Plex › Activity). The app that owns it
registers it in its ``admin.py``, as it registers its models::

    admin.site.register_page(
        AdminPage(
            title=_("Activity"),
            app_label="plex",
            urls=(path("activity/", view, name="plex_activity"), ...),
            permission=sessions_admin.has_view_permission,
        )
    )

The site then serves every URL pattern of the page under ``/admin/`` (names in the admin
namespace: ``admin:plex_activity``), behind the admin's login (``admin_view``: staff only, never
cached) and the page's ``permission`` (403 without it), and lists the page — its first URL
pattern — first in its app's group wherever the app list shows (sidebar, index, the app's page),
only to users who have the permission. The group itself shows when the user may see one of its
models, as Django decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps

from django.contrib.admin.exceptions import AlreadyRegistered
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import URLPattern, reverse
from unfold.sites import UnfoldAdminSite


@dataclass(frozen=True)
class AdminPage:
    """An extra admin page.

    ``title``: its entry in the app list; ``app_label``: the app whose group lists it (first);
    ``urls``: its URL patterns relative to ``/admin/`` (``django.urls.path`` with a ``name``), the
    first being the page the entry links to, the others what the page itself requests
    (fragments...); ``permission(request) -> bool``: who may see the entry and open every URL.
    """

    title: str
    app_label: str
    urls: Sequence[URLPattern]
    permission: Callable[[HttpRequest], bool]

    @property
    def url_name(self) -> str:
        """The name of the page's own URL (its first pattern), in the admin namespace."""
        return self.urls[0].name


class AdminSite(UnfoldAdminSite):
    """unfold's admin site with :meth:`register_page` (see the module docstring)."""

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self._pages: list[AdminPage] = []

    # --- the registry ----------------------------------------------------------------------------

    def register_page(self, page: AdminPage) -> None:
        """Add ``page`` to the admin; a second page with the same URL names is refused."""
        taken = {pattern.name for known in self._pages for pattern in known.urls}
        clash = taken.intersection(pattern.name for pattern in page.urls)
        if clash:
            raise AlreadyRegistered(f"Admin page URL(s) already registered: {sorted(clash)}")
        self._pages.append(page)

    @property
    def pages(self) -> tuple[AdminPage, ...]:
        return tuple(self._pages)

    # --- URLs: unfold's hook, before the apps' own ------------------------------------------------

    def extra_urls(self) -> list[URLPattern]:
        return [
            URLPattern(
                pattern.pattern,
                self.admin_view(self._with_permission(page, pattern.callback)),
                pattern.default_args,
                pattern.name,
            )
            for page in self._pages
            for pattern in page.urls
        ]

    @staticmethod
    def _with_permission(page: AdminPage, view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not page.permission(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    # --- the app list (sidebar, index, an app's page) ----------------------------------------------

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            entries = [
                self._entry(page)
                for page in self._pages
                if page.app_label == app["app_label"] and page.permission(request)
            ]
            app["models"][0:0] = entries
        return app_list

    def _entry(self, page: AdminPage) -> dict:
        """An app list entry shaped like a model's (Django's ``_build_app_dict``), view only."""
        return {
            "name": page.title,
            "object_name": page.url_name,
            "perms": {"add": False, "change": False, "delete": False, "view": True},
            "admin_url": reverse(f"{self.name}:{page.url_name}", current_app=self.name),
            "add_url": None,
            "view_only": True,
        }
