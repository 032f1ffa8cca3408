"""What a session dict needs from the database: library names and user accounts, read once for
all the sessions of an answer."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from libraries.models import Library
from users.models import User


def load_lookups(server, items: Iterable) -> tuple[dict[str, str], dict]:
    """(library_names, users) for :func:`session_info`, in two queries whatever the number of
    sessions: section id (text) → library name of ``server``, and each user id PMS reports →
    :class:`users.models.User`.

    PMS reports the server owner as user 1 in sessions: like Tautulli, that id is looked up by
    the name PMS gives (case-insensitive), falling back on the admin account.
    """
    items = list(items)
    library_names = {
        str(section_id): name or ""
        for section_id, name in Library.objects.filter(server=server).values_list(
            "section_id", "section_name"
        )
    }
    ids = {getattr(i, "_userId", None) for i in items} - {None}
    if not ids:
        return library_names, {}
    owner_names = {
        (getattr(i, "_username", None) or "").lower()
        for i in items
        if getattr(i, "_userId", None) == 1
    } - {""}
    query = Q(user_id__in=ids)
    if 1 in ids:
        query |= Q(is_admin=True)
        for name in owner_names:
            query |= Q(username__iexact=name)
    found = list(User.objects.filter(query).order_by("pk"))
    users = {u.user_id: u for u in found if u.user_id in ids}
    if 1 in ids:
        users[1] = (
            next((u for u in found if u.username.lower() in owner_names), None)
            or next((u for u in found if u.is_admin), None)
            or users.get(1)
        )
        if users[1] is None:
            del users[1]
    return library_names, users
