"""Rule sets as YAML, to share them or keep them in a repository.

Shape (one document, a list under ``rule_sets``)::

    rule_sets:
    - name: Old unwatched movies
      scope: movie
      libraries: [{server: Home, section_id: 1, section_name: Movies}]
      action: delete
      dry_run: true
      grace_days: 30
      schedule: 0 3 * * *
      rules:
      - {section: 1, join: and, field: added_at, operator: more_than_days_ago, value: 90}
      - {section: 1, join: and, field: last_watched, operator: not_in_last_days, value: 60}

Libraries are named by their server's name and section id (the section name is informative);
users by username. Importing replaces the rules of a rule set of the same name.
"""

from __future__ import annotations

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from core.schedules import validate_cron
from libraries.models import Library
from users.models import User

from .fields import FIELDS, validate_rule
from .models import RULE_SET_SETTINGS, Rule, RuleSet
from .pressure import validate_tiers

SETTINGS = RULE_SET_SETTINGS


class RuleSetImportError(ValueError):
    """The YAML cannot be imported (one readable line naming the rule set and the problem);
    nothing was changed."""


def export_rule_sets(queryset) -> str:
    """The rule sets of ``queryset`` as YAML text (see the module's docstring)."""
    documents = []
    for rule_set in queryset.prefetch_related("libraries__server", "rules__users"):
        document = {"name": rule_set.name}
        document.update({name: getattr(rule_set, name) for name in SETTINGS})
        document["libraries"] = [
            {
                "server": library.server.name,
                "section_id": library.section_id,
                "section_name": library.section_name or "",
            }
            for library in rule_set.libraries.all()
        ]
        document["rules"] = []
        for rule in rule_set.rules.all():
            entry = {
                "section": rule.section,
                "join": rule.join,
                "field": rule.field,
                "operator": rule.operator,
                "value": rule.value,
            }
            users = sorted(user.username or str(user.user_id) for user in rule.users.all())
            if users:
                entry["users"] = users
            document["rules"].append(entry)
        documents.append(document)
    return yaml.safe_dump({"rule_sets": documents}, sort_keys=False, allow_unicode=True)


def import_rule_sets(text: str) -> list[RuleSet]:
    """Create or update the rule sets described by ``text`` (all or none, in one transaction);
    returns them. Raises :class:`RuleSetImportError`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetImportError(f"Not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rule_sets"), list):
        raise RuleSetImportError("Expected a mapping with a 'rule_sets' list.")
    imported = []
    with transaction.atomic():
        for number, document in enumerate(data["rule_sets"], start=1):
            name = document.get("name") if isinstance(document, dict) else None
            where = f"rule set {number} ({name or 'no name'})"
            try:
                imported.append(_import_one(document))
            except ValidationError as exc:
                raise RuleSetImportError(f"{where}: {' '.join(exc.messages)}") from None
            except (TypeError, ValueError, AttributeError) as exc:
                raise RuleSetImportError(f"{where}: {exc}") from None
    return imported


def _import_one(document: dict) -> RuleSet:
    if not isinstance(document, dict) or not str(document.get("name") or "").strip():
        raise ValidationError("each rule set needs a name")
    rule_set = RuleSet.objects.filter(name=document["name"]).first() or RuleSet(
        name=str(document["name"]).strip()
    )
    for name in SETTINGS:
        if name in document:
            setattr(rule_set, name, document[name])
    rule_set.schedule = validate_cron(rule_set.schedule)
    rule_set.pressure_tiers = validate_tiers(rule_set.pressure_tiers)
    rule_set.full_clean(exclude=["libraries"])
    libraries = [_library(entry) for entry in document.get("libraries") or []]
    rules = []
    for position, entry in enumerate(document.get("rules") or []):
        if not isinstance(entry, dict):
            raise ValidationError(f"rule {position + 1} is not a mapping")
        users = [_user(name) for name in entry.get("users") or []]
        field, operator = str(entry.get("field")), str(entry.get("operator"))
        if field not in FIELDS:
            raise ValidationError(f"rule {position + 1}: unknown field {field!r}")
        value = validate_rule(field, operator, entry.get("value"), rule_set.scope, users)
        join = str(entry.get("join") or Rule.AND).lower()
        if join not in (Rule.AND, Rule.OR):
            raise ValidationError(f"rule {position + 1}: join must be 'and' or 'or'")
        rule = Rule(
            section=int(entry.get("section") or 1),
            position=position,
            join=join,
            field=field,
            operator=operator,
            value=value,
        )
        rules.append((rule, users))
    rule_set.save()
    rule_set.libraries.set(libraries)
    rule_set.rules.all().delete()
    for rule, users in rules:
        rule.rule_set = rule_set
        rule.save()
        rule.users.set(users)
    return rule_set


def _library(entry) -> Library:
    if not isinstance(entry, dict):
        raise ValidationError("each library is {server, section_id}")
    library = Library.objects.filter(
        server__name=entry.get("server"), section_id=entry.get("section_id")
    ).first()
    if library is None:
        raise ValidationError(
            f"no library {entry.get('section_id')} ({entry.get('section_name', '')}) on a server "
            f"named {entry.get('server')!r}"
        )
    return library


def _user(name) -> User:
    user = User.objects.filter(username=str(name)).first()
    if user is None and str(name).isdigit():
        user = User.objects.filter(user_id=int(name)).first()
    if user is None:
        raise ValidationError(f"no user {name!r}")
    return user
