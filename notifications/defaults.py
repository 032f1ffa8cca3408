"""Default subject and body of each notify action: the texts a new notifier starts with and the
fallback when a notifier's own text cannot be formatted.

These strings are part of the compatibility contract (reference 4.2): users of Tautulli know
them, imported notifiers hold them, and they must read the same here. The values are Tautulli
v2.17.2's (``available_notification_actions`` in ``plexpy/notifiers.py``), word for word.
"""

from core.events import Action

from .actions import HousekeepingAction

# Subject of every action's default text (reference 4.2).
DEFAULT_SUBJECT = "Tautulli ({server_name})"

# Subject and body of the ``test`` and ``api`` notifications when none is given (Tautulli's
# ``notify()``; the ``notify`` API command passes its own texts through unformatted).
TEST_SUBJECT = "Tautulli"
TEST_BODY = "Test Notification"

# Default body per action (reference 4.2), in :class:`Action` order.
DEFAULT_BODIES: dict[Action, str] = {
    Action.PLAY: "{user} ({player}) started playing {title}.",
    Action.STOP: "{user} ({player}) has stopped {title}.",
    Action.PAUSE: "{user} ({player}) has paused {title}.",
    Action.RESUME: "{user} ({player}) has resumed {title}.",
    Action.CHANGE: "{user} ({player}) has changed transcode decision for {title}.",
    Action.BUFFER: "{user} ({player}) is buffering {title}.",
    Action.ERROR: "{user} ({player}) encountered an error trying to play {title}.",
    Action.INTRO: "{user} ({player}) has reached an intro marker for {title}.",
    Action.CREDITS: "{user} ({player}) has reached a credits marker for {title}.",
    Action.COMMERCIAL: "{user} ({player}) has reached a commercial marker for {title}.",
    Action.WATCHED: "{user} ({player}) has watched {title}.",
    Action.CREATED: "{title} was recently added to Plex.",
    Action.EXTDOWN: "The Plex Media Server remote access is down. ({remote_access_reason})",
    Action.INTDOWN: "The Plex Media Server is down.",
    Action.EXTUP: "The Plex Media Server remote access is back up.",
    Action.INTUP: "The Plex Media Server is back up.",
    Action.PMSUPDATE: "An update is available for the Plex Media Server (version {update_version}).",
    Action.CONCURRENT: "{user} has {user_streams} concurrent streams.",
    Action.NEWDEVICE: "{user} is streaming from a new device: {player}.",
    Action.PLEXPYUPDATE: "An update is available for Tautulli (version {tautulli_update_version}).",
    Action.PLEXPYDBCORRUPT: (
        "Tautulli database corruption detected. Automatic cleanup of database backups is suspended."
    ),
    Action.TOKENEXPIRED: "The Tautulli Plex account token has expired.",
}

# This project's deletion-candidate actions (not Tautulli's): their own subject and body.
HOUSEKEEPING_TEXTS: dict[HousekeepingAction, tuple[str, str]] = {
    HousekeepingAction.CANDIDATES_ADDED: (
        "Deletion candidates: {rule_set}",
        "{candidate_count} new deletion candidate(s) in {rule_set} ({total_size}): {title}. "
        "Due {due_date}.",
    ),
    HousekeepingAction.CANDIDATES_DUE: (
        "Deletion in {days_left} day(s): {rule_set}",
        "{candidate_count} item(s) of {rule_set} ({total_size}) will be acted on in "
        "{days_left} day(s), on {due_date}: {title}.",
    ),
    HousekeepingAction.CANDIDATE_ACTED: (
        "Deletion candidate acted on: {title}",
        "{action} {title} ({size}) from {library_name} on {server_name}, rule set {rule_set}"
        " (dry run: {dry_run}): {result}",
    ),
    HousekeepingAction.CANDIDATE_FAILED: (
        "Deletion candidate action failed: {title}",
        "{action} {title} ({size}) from {library_name} on {server_name}, rule set {rule_set}"
        " failed: {result}",
    ),
}

# Agents whose texts start empty instead of the defaults: their subject and body are not
# messages (script arguments; webhook headers and JSON body). Tautulli's agent names.
AGENTS_WITHOUT_DEFAULT_TEXT = frozenset({"scripts", "webhook"})


def default_texts(action: str, *, agent_name: str | None = None) -> tuple[str, str]:
    """``(subject, body)`` a notifier starts with for ``action`` (an :class:`Action` or its
    value, e.g. ``"on_play"``).

    The deletion-candidate actions (:class:`~notifications.actions.HousekeepingAction`) have
    their own (:data:`HOUSEKEEPING_TEXTS`).
    ``("", "")`` for the agents of :data:`AGENTS_WITHOUT_DEFAULT_TEXT` (``agent_name`` is
    Tautulli's agent name, e.g. ``"webhook"``) and for an action that is not one of the 22
    (``test``, ``api``...), as Tautulli (``add_notifier_config``, ``build_notify_text``;
    reference 4.2). Never raises.
    """
    if agent_name in AGENTS_WITHOUT_DEFAULT_TEXT:
        return "", ""
    if action in HousekeepingAction.values:
        return HOUSEKEEPING_TEXTS[HousekeepingAction(action)]
    try:
        body = DEFAULT_BODIES[Action(action)]
    except ValueError:
        return "", ""
    return DEFAULT_SUBJECT, body
