"""Disk pressure: a shorter grace period as free space falls (Janitorr's tiers).

A rule set's ``pressure_tiers`` is ``[{"free_below_percent": 10, "grace_days": 30},
{"free_below_percent": 5, "grace_days": 15}]``: when the free space of the disks its items live
on is below a threshold, the lowest matching tier's grace applies (never longer than the rule
set's own). Free space comes from Radarr (movie rule sets) or Sonarr (show rule sets) as they
last reported it (:attr:`MediaService.disk_free`), else from the capacity the user set on the
rule set's libraries (:attr:`libraries.models.Library.disk_capacity`) minus what their present
items take.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Sum

from libraries.models import LibraryMedia

from .models import MediaService, RuleSet

SERVICE_FOR_SCOPE = {
    RuleSet.SCOPE_MOVIE: MediaService.RADARR,
    RuleSet.SCOPE_SHOW: MediaService.SONARR,
    RuleSet.SCOPE_SEASON: MediaService.SONARR,
    RuleSet.SCOPE_EPISODE: MediaService.SONARR,
}
TOP_LEVEL_TYPES = ("movie", "show", "artist")


def validate_tiers(tiers) -> list[dict]:
    """``tiers`` checked and sorted by threshold (highest first); raises ValidationError."""
    if tiers in (None, ""):
        return []
    if not isinstance(tiers, list):
        raise ValidationError("Pressure tiers: a list of {free_below_percent, grace_days}.")
    clean = []
    for tier in tiers:
        try:
            percent = float(tier["free_below_percent"])
            days = int(tier["grace_days"])
        except (TypeError, KeyError, ValueError):
            raise ValidationError(
                "Each pressure tier needs free_below_percent (0-100) and grace_days (≥ 0)."
            ) from None
        if not 0 < percent <= 100 or days < 0:
            raise ValidationError(
                "Each pressure tier needs free_below_percent (0-100) and grace_days (≥ 0)."
            )
        if percent == int(percent):
            percent = int(percent)
        clean.append({"free_below_percent": percent, "grace_days": days})
    return sorted(clean, key=lambda tier: -tier["free_below_percent"])


def free_percent(rule_set: RuleSet) -> float | None:
    """Free space in percent where the rule set's items live, or None when unknown.

    The lowest of the services' reports (Radarr for movies, Sonarr for shows) when any has one;
    else ``(capacity − used) / capacity`` over the rule set's libraries that have a capacity."""
    kind = SERVICE_FOR_SCOPE.get(rule_set.scope)
    if kind:
        reports = [
            service.disk_free / service.disk_total * 100
            for service in MediaService.objects.filter(
                kind=kind, is_active=True, disk_total__gt=0, disk_free__isnull=False
            )
        ]
        if reports:
            return min(reports)
    capacity = used = 0
    for library in rule_set.libraries.filter(disk_capacity__gt=0):
        capacity += library.disk_capacity
        used += (
            LibraryMedia.objects.present()
            .filter(
                server_id=library.server_id,
                section_id=library.section_id,
                media_type__in=TOP_LEVEL_TYPES,
            )
            .aggregate(used=Sum("total_file_size"))["used"]
            or 0
        )
    if not capacity:
        return None
    return max(capacity - used, 0) / capacity * 100


def effective_grace_days(rule_set: RuleSet, free: float | None = None) -> int:
    """The grace period in days that applies now: the rule set's, or the lowest tier whose
    threshold the free space is below (``free`` percent; measured when not given)."""
    grace = rule_set.grace_days
    tiers = rule_set.pressure_tiers or []
    if not tiers:
        return grace
    free = free_percent(rule_set) if free is None else free
    if free is None:
        return grace
    for tier in validate_tiers(tiers):
        if free < tier["free_below_percent"]:
            grace = min(grace, tier["grace_days"])
    return grace
