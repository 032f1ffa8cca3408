"""Syncing users (from plex.tv) and libraries (from each PMS) into our tables, with plexapi.

Tautulli semantics (reference 1.2 ``refresh_users_list`` / ``refresh_libraries_list``, 2 notes,
3.2 "refresh users (12 h), refresh libraries (12 h)"):

* :func:`sync_libraries` reads ``/library/sections`` of a server and counts each section
  (``/library/sections/<id>/all?type=..`` with a container size of 0, read from ``totalSize``):
  ``count`` = items (movies, shows, artists, photos), ``parent_count`` = seasons/albums and
  ``child_count`` = episodes/tracks (show and artist sections only). Rows are upserted per
  (server, section_id); sections no longer on the server get ``is_active = False``. Our own
  flags (``do_notify``, ``do_notify_created``, ``keep_history``, ``deleted_section``, custom
  thumb/art) are never touched.
* :func:`sync_users` reads, for each distinct server token, the plex.tv account
  (``/api/v2/user``: the admin, ``is_admin``), its friends and home users (``/api/users/``) and,
  per watched server, ``/api/servers/<machine>/shared_servers`` (which section keys each user
  shares, and the user's server token). Rows are upserted by ``user_id``; our own flags
  (``friendly_name``, ``custom_avatar_url``, ``do_notify``, ``keep_history``, ``allow_guest``,
  ``deleted_user``) are never touched; users no longer listed get ``is_active = False``
  (user 0, "Local", always stays active).

plex.tv's address is ``https://plex.tv`` (hard-coded in plexapi); the ``PLEX_TV_URL`` setting
(default ``https://plex.tv``) sends those requests elsewhere (a proxy, or the loopback fake in
tests) through a requests transport adapter on the session handed to plexapi.

This module is the only place (with :mod:`plex.connection`) that talks to plexapi.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import requests
from django.conf import settings
from django.db import transaction
from plexapi.exceptions import PlexApiException, Unauthorized
from plexapi.myplex import MyPlexAccount
from plexapi.server import PlexServer
from requests.adapters import HTTPAdapter

from libraries.models import Library
from servers.models import Server
from users.models import User

from .activity.reachability import token_rejected

logger = logging.getLogger(__name__)

PLEX_TV = "https://plex.tv"
DEFAULT_TIMEOUT = 30  # seconds, for connecting and for each read

# (count, parent_count, child_count) plexapi libtypes per section type (Tautulli's counts).
SECTION_COUNT_LIBTYPES: dict[str, tuple[str | None, str | None, str | None]] = {
    "movie": ("movie", None, None),
    "show": ("show", "season", "episode"),
    "artist": ("artist", "album", "track"),
    "photo": (None, None, None),  # the section's default type
}

USER_SYNC_FIELDS = (
    "username",
    "title",
    "thumb",
    "email",
    "is_active",
    "is_admin",
    "is_home_user",
    "is_allow_sync",
    "is_restricted",
    "user_token",
    "server_token",
    "shared_libraries",
    "filter_all",
    "filter_movies",
    "filter_tv",
    "filter_music",
    "filter_photos",
    "placeholder",
)
LIBRARY_SYNC_FIELDS = (
    "section_name",
    "section_type",
    "agent",
    "thumb",
    "art",
    "count",
    "parent_count",
    "child_count",
    "is_active",
)
SYNC_ERRORS = (PlexApiException, requests.exceptions.RequestException, ParseError, ValueError)


class SyncError(Exception):
    """Plex or plex.tv could not be read; the message is fit for an admin (never a token)."""


@dataclass
class SyncResult:
    """What a sync did: ``synced`` rows upserted (inserted or updated), ``deactivated`` rows
    newly marked inactive, and ``errors`` (one readable message per server/account that failed)."""

    synced: int = 0
    deactivated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- plumbing -----------------------------------------------------------------------------------


class _RebaseAdapter(HTTPAdapter):
    """Sends requests for ``https://plex.tv/...`` to ``base`` + the same path and query."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base.rstrip("/")

    def send(self, request, **kwargs):
        request.url = self.base + request.url[len(PLEX_TV) :]
        return super().send(request, **kwargs)


def plex_session() -> requests.Session:
    """A requests session for plexapi; plex.tv requests go to ``settings.PLEX_TV_URL``."""
    session = requests.Session()
    base = settings.PLEX_TV_URL.rstrip("/")
    if base != PLEX_TV:
        session.mount(PLEX_TV + "/", _RebaseAdapter(base))
    return session


def _describe(exc: Exception) -> str:
    """A one-line reason without any token (plexapi puts the URL, and so the token, in some)."""
    text = f"{type(exc).__name__}: {exc}"
    return text.split("?", 1)[0] if "X-Plex-Token" in text else text


def _bool(value) -> bool | None:
    """plex.tv's "0"/"1" (or bool) attributes as bool; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true")


# --- libraries ----------------------------------------------------------------------------------


def _section_counts(section) -> tuple[int | None, int | None, int | None]:
    """(count, parent_count, child_count) of a plexapi LibrarySection (reference 2 notes)."""
    libtypes = SECTION_COUNT_LIBTYPES.get(section.type, (None, None, None))
    count = section.totalViewSize(libtype=libtypes[0], includeCollections=False)
    parent = (
        section.totalViewSize(libtype=libtypes[1], includeCollections=False)
        if libtypes[1]
        else None
    )
    child = (
        section.totalViewSize(libtype=libtypes[2], includeCollections=False)
        if libtypes[2]
        else None
    )
    return count, parent, child


def _note_rejected_token(exc: SyncError, servers: list[Server]) -> None:
    """When ``exc`` comes from an HTTP 401 (PMS or plex.tv rejected the token), emit
    on_tokenexpired for each of ``servers`` (once per token, see
    :func:`plex.activity.reachability.token_rejected`)."""
    if isinstance(exc.__cause__, Unauthorized):
        for server in servers:
            token_rejected(server)


def fetch_sections(server: Server, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """The library sections of ``server`` with counts, as field dicts of :class:`Library`:
    ``[{"section_id": 1, "section_name": "Movies", "section_type": "movie", "agent": ...,
    "thumb": ..., "art": ..., "count": 42, "parent_count": None, "child_count": None}]``.

    Raises :class:`SyncError` when the server cannot be read.
    """
    if not server.url:
        raise SyncError(f"{server}: no URL is set.")
    try:
        with plex_session() as session:
            plex = PlexServer(server.url, server.token or None, session=session, timeout=timeout)
            rows = []
            for section in plex.library.sections():
                count, parent, child = _section_counts(section)
                rows.append(
                    {
                        "section_id": int(section.key),
                        "section_name": section.title,
                        "section_type": section.type,
                        "agent": section.agent,
                        "thumb": section.thumb,
                        "art": section.art,
                        "count": count,
                        "parent_count": parent,
                        "child_count": child,
                    }
                )
            return rows
    except SYNC_ERRORS as exc:
        raise SyncError(f"{server}: {_describe(exc)}") from exc


def store_sections(server: Server, sections: list[dict]) -> SyncResult:
    """Upsert ``sections`` (from :func:`fetch_sections`) for ``server`` and mark the server's
    other sections inactive. Two queries plus the deactivation; our flags are kept."""
    rows = [Library(server=server, is_active=True, **section) for section in sections]
    with transaction.atomic():
        Library.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["server", "section_id"],
            update_fields=list(LIBRARY_SYNC_FIELDS),
        )
        deactivated = (
            Library.objects.filter(server=server, is_active=True)
            .exclude(section_id__in=[s["section_id"] for s in sections])
            .update(is_active=False)
        )
    return SyncResult(synced=len(rows), deactivated=deactivated)


def sync_libraries(servers=None, timeout: float = DEFAULT_TIMEOUT) -> SyncResult:
    """Refresh the libraries of ``servers`` (default: every active server).

    A server that cannot be read keeps its rows untouched and adds one message to ``errors``;
    the other servers are still synced.
    """
    servers = Server.objects.filter(is_active=True) if servers is None else servers
    total = SyncResult()
    for server in servers:
        try:
            sections = fetch_sections(server, timeout=timeout)
        except SyncError as exc:
            logger.warning("Library refresh failed: %s", exc)
            total.errors.append(str(exc))
            _note_rejected_token(exc, [server])
            continue
        result = store_sections(server, sections)
        total.synced += result.synced
        total.deactivated += result.deactivated
    return total


# --- users --------------------------------------------------------------------------------------


def _shared_servers(account: MyPlexAccount, machine_identifier: str) -> dict[int, dict]:
    """``{user_id: {"server_token": ..., "sections": [section keys shared]}}`` for one server,
    from plex.tv's ``/api/servers/<machine>/shared_servers`` (one request per server)."""
    data = account.query(account.FRIENDINVITE.format(machineId=machine_identifier))
    shares: dict[int, dict] = {}
    for elem in data.iter("SharedServer"):
        user_id = elem.attrib.get("userID")
        if not user_id:
            continue
        shares[int(user_id)] = {
            "server_token": elem.attrib.get("accessToken"),
            "sections": [
                int(s.attrib["key"])
                for s in elem.iter("Section")
                if s.attrib.get("shared") == "1" and s.attrib.get("key")
            ],
        }
    return shares


def _user_values(user_id: int, username: str, title: str, **values) -> dict:
    """Tautulli's normalisation: a blank username (managed users) takes the title, and a title
    equal to the username is stored as NULL."""
    values["user_id"] = user_id
    values["username"] = username or title or ""
    values["title"] = None if not title or title == username else title
    return values


def fetch_account_users(
    token: str, servers: list[Server], timeout: float = DEFAULT_TIMEOUT
) -> dict[int, dict]:
    """The users of the plex.tv account owning ``token``, as field dicts of :class:`User` keyed
    by user id, shares limited to ``servers`` (the watched servers using that token).

    ``shared_libraries`` is a list of section ids here (joined with ";" when stored). The admin
    (the account itself) shares every section of its servers, as in Tautulli. Raises
    :class:`SyncError` when plex.tv cannot be read.
    """
    try:
        with plex_session() as session:
            account = MyPlexAccount(token=token, session=session, timeout=timeout)
            users: dict[int, dict] = {
                account.id: _user_values(
                    account.id,
                    account.username,
                    account.title,
                    thumb=account.thumb,
                    email=account.email,
                    is_admin=True,
                    is_home_user=_bool(account.home),
                    is_allow_sync=True,
                    is_restricted=_bool(account.restricted),
                    user_token=account.authToken,
                    server_token=account.authToken,
                    shared_libraries=_admin_sections(servers),
                )
            }
            for friend in account.users():
                users[friend.id] = _user_values(
                    friend.id,
                    friend.username,
                    friend.title,
                    thumb=friend.thumb,
                    email=friend.email,
                    is_admin=False,
                    is_home_user=_bool(friend.home),
                    is_allow_sync=_bool(friend.allowSync),
                    is_restricted=_bool(friend.restricted),
                    user_token=None,
                    server_token=None,
                    shared_libraries=[],
                    filter_all=friend.filterAll,
                    filter_movies=friend.filterMovies,
                    filter_tv=friend.filterTelevision,
                    filter_music=friend.filterMusic,
                    filter_photos=friend.filterPhotos,
                )
            for server in servers:
                if not server.machine_identifier:
                    continue
                for user_id, share in _shared_servers(account, server.machine_identifier).items():
                    if user_id not in users:
                        continue
                    user = users[user_id]
                    user["server_token"] = user["server_token"] or share["server_token"]
                    user["shared_libraries"] += share["sections"] or _active_section_ids(server)
            return users
    except SYNC_ERRORS as exc:
        raise SyncError(f"plex.tv: {_describe(exc)}") from exc


def _active_section_ids(server: Server) -> list[int]:
    return list(
        Library.objects.filter(server=server, is_active=True)
        .order_by("section_id")
        .values_list("section_id", flat=True)
    )


def _admin_sections(servers: list[Server]) -> list[int]:
    return list(
        Library.objects.filter(server__in=[s.pk for s in servers], is_active=True)
        .order_by("server_id", "section_id")
        .values_list("section_id", flat=True)
    )


def _merge(into: dict, other: dict) -> None:
    """One user seen through two accounts: admin if admin anywhere, shares united."""
    into["is_admin"] = into["is_admin"] or other["is_admin"]
    into["shared_libraries"] += other["shared_libraries"]
    into["server_token"] = into["server_token"] or other["server_token"]
    into["user_token"] = into["user_token"] or other["user_token"]


def store_users(users: dict[int, dict]) -> SyncResult:
    """Upsert ``users`` (user id → field dict) by ``user_id`` and mark every other user
    inactive (except user 0, "Local"). Our Tautulli flags are kept; an import placeholder that
    plex.tv now knows becomes a real user."""
    rows = []
    for values in users.values():
        values = dict(values)
        sections = dict.fromkeys(values.pop("shared_libraries") or [])  # ordered, no duplicates
        rows.append(
            User(
                is_active=True,
                placeholder=False,
                shared_libraries=";".join(str(s) for s in sections),
                **values,
            )
        )
    with transaction.atomic():
        User.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["user_id"],
            update_fields=list(USER_SYNC_FIELDS),
        )
        deactivated = (
            User.objects.filter(is_active=True)
            .exclude(user_id__in=[0, *users])
            .exclude(user_id__isnull=True)
            .update(is_active=False)
        )
    return SyncResult(synced=len(rows), deactivated=deactivated)


def sync_users(servers=None, timeout: float = DEFAULT_TIMEOUT) -> SyncResult:
    """Refresh users from plex.tv with the tokens of ``servers`` (default: every active server
    with a token); one plex.tv account per distinct token.

    If any account cannot be read nothing is stored (a partial list would wrongly deactivate
    users) and ``errors`` says why.
    """
    servers = Server.objects.filter(is_active=True) if servers is None else servers
    by_token: dict[str, list[Server]] = {}
    for server in servers:
        if server.token:
            by_token.setdefault(server.token, []).append(server)
    if not by_token:
        return SyncResult(errors=["No active server with a token: nothing to ask plex.tv with."])
    users: dict[int, dict] = {}
    for token, token_servers in by_token.items():
        try:
            account_users = fetch_account_users(token, token_servers, timeout=timeout)
        except SyncError as exc:
            logger.warning("User refresh failed: %s", exc)
            _note_rejected_token(exc, token_servers)
            return SyncResult(errors=[str(exc)])
        for user_id, values in account_users.items():
            if user_id in users:
                _merge(users[user_id], values)
            else:
                users[user_id] = values
    return store_users(users)
