"""The housekeeping events other features react to (the notifications pipeline turns them into
notifications). Defined here, in the foundation, so that housekeeping sends them and
notifications receives them without either importing the other.

Each is sent after the change was committed (``transaction.on_commit``), with keyword arguments
only:

* :data:`candidates_added` — ``rule_set_id: int, candidate_ids: list[int]``: items that just
  became deletion candidates of a rule set.
* :data:`candidates_due` — ``rule_set_id: int, candidate_ids: list[int], days: int``: candidates
  whose action is due within ``days`` days (announced once per due date).
* :data:`action_finished` — ``action_log_id: int, status: str`` (``done``, ``dry_run`` or
  ``failed``): an action on a candidate (:class:`housekeeping.models.ActionLog`) finished.
"""

from django.dispatch import Signal

candidates_added = Signal()
candidates_due = Signal()
action_finished = Signal()
