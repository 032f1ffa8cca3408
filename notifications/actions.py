"""The notify actions a notifier can be switched on for: Tautulli's 22
(:class:`core.events.Action`, in Tautulli's order) followed by this project's own.

Tautulli's 22 stay the whole of what Tautulli-compatible answers list (``get_notifier_config``'s
``actions`` and ``notify_text``, a new notifier's trigger rows, the Tautulli importer's ``on_*``
columns); the actions below are added after them wherever a person switches triggers on (the
notifier's admin form) and in the notification log's filter.

:class:`HousekeepingAction` — deletion candidates (issue 14), sent by the housekeeping app
through :mod:`core.housekeeping_events` and turned into notifications by
:mod:`notifications.housekeeping`.
"""

from django.db import models

from core.events import Action


class HousekeepingAction(models.TextChoices):
    """Deletion candidates' notify actions (not Tautulli's)."""

    CANDIDATES_ADDED = "on_candidates_added", "Deletion candidates added"
    CANDIDATES_DUE = "on_candidates_due", "Deletion due soon"
    CANDIDATE_ACTED = "on_candidate_acted", "Deletion candidate acted on"
    CANDIDATE_FAILED = "on_candidate_failed", "Deletion candidate action failed"


#: Every action a notifier has a switch for, Tautulli's first, in form order.
NOTIFIER_ACTIONS = [*Action, *HousekeepingAction]
#: ``NotifierTrigger.action``'s choices.
TRIGGER_CHOICES = [*Action.choices, *HousekeepingAction.choices]
