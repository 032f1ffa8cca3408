"""PMS updates: whether a newer Plex Media Server is available, and the on_pmsupdate event.

Read from PMS's own updater, through plexapi's ``PlexServer.checkForUpdate()``: ``PUT
/updater/check?download=0`` (PMS asks plex.tv now) then ``GET /updater/status``, whose first
``<Release>`` is the update PMS offers (plexapi's ``plexapi.server.Release``: ``version``,
``added``, ``fixed``, ``downloadURL``, ``state``). PMS picks that release for its own platform,
distribution and update channel (its ``ButlerUpdateChannel`` preference: ``8`` beta, else
public).

Tautulli v2.17.2 (``PlexTV.get_plex_update``) asks plex.tv's download list instead
(``/api/downloads/5.json``) and matches the server's platform and the distro / build chosen in
its settings; that list also gives a release date, requirements, extra information and the
distribution, which PMS's updater does not report: those values are "" here. Tautulli's rule
for "newer" is kept: the first four numbers of the version (before ``-``) compared
(:func:`version_key`).

:func:`check_pms_update` emits on_pmsupdate with ``update`` (:func:`read_update`'s dict) and
``tag=<version>`` every time a newer version is reported; "once per version" (unless
NOTIFY_SERVER_UPDATE_REPEAT) is the notifications side's rule, on the notify log's ``tag``.
Checked every 24 hours (:func:`plex.tasks.check_pms_updates`; Tautulli's PMS_UPDATE_CHECK_INTERVAL
default).
"""

from __future__ import annotations

import logging

from plexapi.exceptions import NotFound
from plexapi.settings import Settings

from core.events import Action
from plex.client import call_pms
from servers.models import Server

from .events import emit

logger = logging.getLogger(__name__)

CHANNEL_PREF = "ButlerUpdateChannel"
BETA_CHANNEL = "8"  # ButlerUpdateChannel's value for beta ("0" is public)

# The keys of the ``update`` dict, each read by one notification parameter ``update_<key>``.
UPDATE_KEYS = (
    "version",
    "url",
    "release_date",
    "channel",
    "platform",
    "distro",
    "distro_build",
    "requirements",
    "extra_info",
    "changelog_added",
    "changelog_fixed",
)


def version_key(version: str) -> int:
    """``version`` as a comparable number, Tautulli's way: the first four dot-separated numbers
    of the part before ``-``, each zero-padded to 4 digits, joined (``"1.40.1.8227-c0dd5a73e"``
    → 1004000018227); 0 when it is not such a version."""
    parts = (version or "").split("-")[0].split(".")[:4]
    try:
        return int("".join(part.zfill(4) for part in parts))
    except ValueError:
        return 0


def update_channel(plex) -> str:
    """``"beta"`` or ``"public"``: PMS's update channel (``ButlerUpdateChannel``, read afresh)."""
    try:
        value = Settings(plex, plex.query(Settings.key)).get(CHANNEL_PREF).value
    except NotFound:
        return "public"
    return "beta" if str(value) == BETA_CHANNEL else "public"


def read_update(plex) -> dict | None:
    """The update PMS offers (plexapi ``PlexServer`` ``plex``), or None when it offers none or
    only a version not newer than its own.

    The dict has the :data:`UPDATE_KEYS`, all strings: ``version``; ``url`` (the download);
    ``channel`` (``"beta"``/``"public"``, the parameter shows "Beta"/"Public" as Tautulli);
    ``platform`` (PMS's own, e.g. ``"Linux"``); ``changelog_added`` / ``changelog_fixed``
    (PMS's text, lines separated by newlines); ``release_date``, ``distro``, ``distro_build``,
    ``requirements``, ``extra_info``: "" (PMS's updater does not report them, see the module
    doc). Raises plexapi's / requests' errors (see ``plex.client.call_pms``).
    """
    release = plex.checkForUpdate(force=True, download=False)
    if release is None or not release.version:
        return None
    if version_key(release.version) <= version_key(plex.version):
        return None
    return {
        "version": release.version,
        "url": release.downloadURL or "",
        "release_date": "",
        "channel": update_channel(plex),
        "platform": plex.platform or "",
        "distro": "",
        "distro_build": "",
        "requirements": "",
        "extra_info": "",
        "changelog_added": release.added or "",
        "changelog_fixed": release.fixed or "",
    }


def check_pms_update(server: Server) -> dict | None:
    """Ask ``server``'s PMS for an update; when a newer version is offered, emit on_pmsupdate
    with ``update`` (:func:`read_update`'s dict) and ``tag`` (its version) and return the dict,
    else None. Raises :class:`plex.client.PlexUnavailable` when PMS cannot be read."""
    update = call_pms(server, read_update)
    if update is None:
        logger.info("%s: no Plex Media Server update available.", server.name)
        return None
    logger.info(
        "%s: Plex Media Server update available: %s (running %s).",
        server.name,
        update["version"],
        server.version or "?",
    )
    emit(server, Action.PMSUPDATE, update=update, tag=update["version"])
    return update
