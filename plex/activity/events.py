"""Events the Plex integration emits, for notifications (issue 12) and anything else that listens.

One Django signal, :data:`plex_event`, sent with ``sender=Server`` (the class) and keyword
arguments:

* ``server``: the :class:`servers.models.Server` the event is about;
* ``action``: Tautulli's notify action name (reference 4.2), a plain string: one of
  :data:`core.events.MONITOR_ACTIONS` (the stream actions ``on_play``, ``on_stop``, ``on_pause``,
  ``on_resume``, ``on_change``, ``on_buffer``, ``on_error``, ``on_intro``, ``on_credits``,
  ``on_commercial``, ``on_watched``, ``on_concurrent``, ``on_newdevice``; ``on_created``
  (recently added); the server actions ``on_intdown``, ``on_intup`` (:mod:`.reachability`),
  ``on_extdown``, ``on_extup`` (:mod:`.remote_access`); ``on_pmsupdate`` (:mod:`.pms_update`)
  and ``on_tokenexpired`` (:func:`.reachability.token_rejected`)), named by
  :class:`core.events.Action`;
* ``session``: for stream events, the session as Tautulli's notifier reads it: the ``sessions``
  row's columns merged with its ``raw_stream_info`` (the get_activity keys), times in epoch
  seconds, ``view_offset``/``duration`` in ms; None for server and recently-added events;
* ``timeline``: for ``on_created``, ``{"rating_key", "parent_rating_key",
  "grandparent_rating_key", "media_type", "section_id", "title", "child_keys"}``; else None;
* ``history_id``: for ``on_stop``/``on_watched`` after history was written, the History id;
* for ``on_extdown``/``on_extup``: ``remote_access_mapping_state``, ``remote_access_mapping_error``,
  ``remote_access_public_address``, ``remote_access_public_port``,
  ``remote_access_private_address``, ``remote_access_private_port`` (strings as PMS's
  ``/myplex/account`` gives them, "" when absent) and ``remote_access_reason`` (why it is down,
  Tautulli's wording; "" for on_extup);
* for ``on_pmsupdate``: ``update``, a dict of strings (``version``, ``url``, ``release_date``,
  ``channel`` ``"beta"``/``"public"``, ``platform``, ``distro``, ``distro_build``,
  ``requirements``, ``extra_info``, ``changelog_added``, ``changelog_fixed``; see
  :func:`.pms_update.read_update` for those PMS leaves empty) and ``tag``, the version;
* for ``on_tokenexpired``: ``tag``, a hash of the rejected token (:func:`.reachability.token_tag`,
  never the token).

``tag`` is what the notify log records for Tautulli's "once per version / per token" rules,
which the notifications side applies; the Plex integration emits on_pmsupdate at each check that
finds a newer version, and on_tokenexpired once per token.

Receivers run in the monitor's (or the poll or check task's) thread after the database change was
committed: they must be quick (queue a django-q2 task for slow work) and must not raise (an
exception is logged and swallowed, see :func:`emit`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

from core.events import MONITOR_ACTIONS, Action

logger = logging.getLogger(__name__)

plex_event = Signal()


def emit(server, action: str, *, session: dict | None = None, **extra) -> None:
    """Send :data:`plex_event` once the current transaction commits (at once outside one).

    ``action`` (an :class:`~core.events.Action` or its value) must be one of
    :data:`~core.events.MONITOR_ACTIONS` (ValueError otherwise); receivers get its value, a plain
    string. Receiver errors are logged, never raised: a broken notifier must not stop the monitor.
    """
    if action not in MONITOR_ACTIONS:
        raise ValueError(f"Unknown event action {action!r}")
    action = Action(action).value
    kwargs = {"server": server, "action": action, "session": session, **extra}

    def send():
        for receiver, response in plex_event.send_robust(sender=type(server), **kwargs):
            if isinstance(response, Exception):
                logger.error("Event receiver %r failed on %s: %s", receiver, action, response)

    transaction.on_commit(send)
