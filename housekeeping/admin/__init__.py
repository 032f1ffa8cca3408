"""The housekeeping admin (issue 14): media services, rule sets and their rules, candidates
and their review, the calendar of due actions, the audit and the exclusions. One module per
concern; importing this package registers them all on the admin site."""

from . import audit, candidates, rule_sets, services  # noqa: F401 (registration)
