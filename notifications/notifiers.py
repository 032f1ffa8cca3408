"""Notifiers as Tautulli's API and the admin see them: listed, described, added, changed, deleted
(Tautulli's ``plexpy/notifiers.py`` functions of the same names, reference 1.2 "Notifiers").

A notifier's secrets never leave here unmasked: :func:`notifier_config` shows set secrets as
:data:`notifications.agents.base.MASK`, and :func:`set_notifier_config` keeps a secret sent back
as that mask.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import OuterRef, Subquery

from core.errors import InvalidInput
from core.events import Action
from core.timeutils import to_epoch

from .actions import NOTIFIER_ACTIONS
from .agents import UnknownAgent, agent_by_id
from .conditions import ConditionError, validate
from .defaults import default_texts
from .models import Notifier, NotifierTrigger, NotifyLog
from .parameters.catalog import PARAMETER_TYPES

# Tautulli's stored form of "no conditions".
DEFAULT_CUSTOM_CONDITIONS = [{"parameter": "", "operator": "", "value": [], "type": None}]
# Tautulli's 22: what get_notifier_config answers and a new notifier's trigger rows.
ACTIONS = [action.value for action in Action]
# Every action a notifier can be switched on for: Tautulli's, then this project's
# (notifications.actions); a trigger row of the latter is created when first set.
ALL_ACTIONS = [action.value for action in NOTIFIER_ACTIONS]


def agent_of(agent_id):
    """The agent of ``agent_id`` (int or numeric str); InvalidInput for an unknown one."""
    try:
        return agent_by_id(int(agent_id))
    except (TypeError, ValueError, UnknownAgent):
        raise InvalidInput(f"Unknown notification agent: agent_id {agent_id}") from None


def notifier_list(notify_action: str | None = None) -> list[dict]:
    """``get_notifiers``: ``[{id, agent_id, agent_name, agent_label, friendly_name,
    last_triggered (epoch s or None), last_success (0/1 or None), active (0/1)}]`` in id order;
    with ``notify_action``, only the notifiers switched on for it. ``active`` is 1 when any
    trigger is on. Two queries."""
    latest = NotifyLog.objects.filter(notifier_id=OuterRef("pk")).order_by("-timestamp", "-id")
    notifiers = Notifier.objects.annotate(
        last_triggered=Subquery(latest.values("timestamp")[:1]),
        last_success=Subquery(latest.values("success")[:1]),
    ).order_by("id")
    if notify_action in ALL_ACTIONS:
        notifiers = notifiers.filter(triggers__action=notify_action, triggers__enabled=True)
    active = set(NotifierTrigger.objects.filter(enabled=True).values_list("notifier_id", flat=True))
    return [
        {
            "id": notifier.pk,
            "agent_id": notifier.agent_id,
            "agent_name": notifier.agent_name,
            "agent_label": notifier.agent_label,
            "friendly_name": notifier.friendly_name or "",
            "last_triggered": to_epoch(notifier.last_triggered),
            "last_success": None if notifier.last_success is None else int(notifier.last_success),
            "active": int(notifier.pk in active),
        }
        for notifier in notifiers
    ]


def trigger_texts(notifier: Notifier, actions=None) -> dict[str, NotifierTrigger]:
    """The notifier's trigger per action of ``actions`` (default: Tautulli's 22,
    :data:`ACTIONS`; :data:`ALL_ACTIONS` adds this project's); actions without a row get an
    unsaved default one."""
    rows = {trigger.action: trigger for trigger in notifier.triggers.all()}
    return {
        action: rows.get(action) or NotifierTrigger(notifier=notifier, action=action)
        for action in (ACTIONS if actions is None else actions)
    }


def shown_texts(trigger: NotifierTrigger, agent_name: str) -> tuple[str, str]:
    """``(subject, body)`` of ``trigger`` as Tautulli shows them: the default text of its
    action (for that agent) where none is stored."""
    default_subject, default_body = default_texts(trigger.action, agent_name=agent_name)
    subject = default_subject if trigger.subject is None else trigger.subject
    body = default_body if trigger.body is None else trigger.body
    return subject, body


def notifier_config(notifier: Notifier) -> dict:
    """``get_notifier_config``: the notifier with its config (secrets masked), the agent's
    ``config_options`` form, ``actions`` (``on_x``: 0/1) and ``notify_text`` (``on_x``:
    ``{subject, body}``, the defaults where none is stored), as Tautulli answers it."""
    agent = agent_of(notifier.agent_id)
    options = agent.options(notifier.config)
    masked = {option["name"][len(agent.name) + 1 :]: option["value"] for option in options}
    config = {
        **agent.normalize(notifier.config),
        **{k: v for k, v in masked.items() if k in agent.secrets},
    }
    actions, texts = {}, {}
    for action, trigger in trigger_texts(notifier).items():
        subject, body = shown_texts(trigger, agent.name)
        actions[action] = int(trigger.enabled)
        texts[action] = {"subject": subject, "body": body}
    return {
        "id": notifier.pk,
        "agent_id": notifier.agent_id,
        "agent_name": notifier.agent_name,
        "agent_label": notifier.agent_label,
        "friendly_name": notifier.friendly_name or "",
        "custom_conditions": notifier.custom_conditions or DEFAULT_CUSTOM_CONDITIONS,
        "custom_conditions_logic": notifier.custom_conditions_logic or "",
        "config": config,
        "config_options": options,
        "actions": actions,
        "notify_text": texts,
    }


@transaction.atomic
def add_notifier(agent_id) -> Notifier:
    """``add_notifier_config``: a new notifier of ``agent_id`` with the agent's default config,
    every trigger off and the default texts (empty for scripts and webhook). InvalidInput for
    an unknown agent."""
    agent = agent_of(agent_id)
    notifier = Notifier.objects.create(
        agent_id=agent.id,
        agent_name=agent.name,
        agent_label=agent.label,
        friendly_name="",
        config=agent.normalize({}),
        custom_conditions=DEFAULT_CUSTOM_CONDITIONS,
        custom_conditions_logic="",
    )
    texts = {action: default_texts(action, agent_name=agent.name) for action in ACTIONS}
    NotifierTrigger.objects.bulk_create(
        NotifierTrigger(
            notifier=notifier,
            action=action,
            enabled=False,
            subject=texts[action][0],
            body=texts[action][1],
        )
        for action in ACTIONS
    )
    return notifier


def parse_conditions(value) -> list[dict]:
    """Custom conditions from a form or the API: a JSON text or a list; validated against the
    parameters' types. InvalidInput with the reason for anything else."""
    if value in (None, ""):
        return DEFAULT_CUSTOM_CONDITIONS
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidInput("custom_conditions must be a JSON list of conditions") from None
    try:
        return validate(value, None, PARAMETER_TYPES) or DEFAULT_CUSTOM_CONDITIONS
    except ConditionError as exc:
        raise InvalidInput(f"Invalid custom conditions: {exc}") from None


@transaction.atomic
def set_notifier_config(notifier: Notifier, values: dict) -> Notifier:
    """``set_notifier_config``: apply Tautulli's form fields to ``notifier``.

    ``values``: ``friendly_name``; ``<agent name>_<option>`` config fields (missing ones keep
    their value, a secret sent back masked is kept); ``on_x`` 0/1; ``on_x_subject`` /
    ``on_x_body`` (any of :data:`ALL_ACTIONS`; a missing trigger row of Tautulli's 22 is
    created, one of this project's only when a value for it is given); ``custom_conditions`` (JSON) and ``custom_conditions_logic``. Conditions and
    logic are validated first: InvalidInput changes nothing.
    """
    agent = agent_of(notifier.agent_id)
    conditions = (
        parse_conditions(values["custom_conditions"])
        if "custom_conditions" in values
        else notifier.custom_conditions or DEFAULT_CUSTOM_CONDITIONS
    )
    logic = values.get("custom_conditions_logic", notifier.custom_conditions_logic) or ""
    try:
        validate(conditions, logic, PARAMETER_TYPES)
    except ConditionError as exc:
        raise InvalidInput(f"Invalid custom conditions logic: {exc}") from None
    notifier.config = agent.config_from_form(notifier.config, values)
    if "friendly_name" in values:
        notifier.friendly_name = values["friendly_name"] or ""
    notifier.custom_conditions = conditions
    notifier.custom_conditions_logic = logic
    notifier.save()
    for action, trigger in trigger_texts(notifier, ALL_ACTIONS).items():
        changed = False
        if action in values:
            trigger.enabled = str(values[action]).strip() in ("1", "true", "on")
            changed = True
        for part in ("subject", "body"):
            if f"{action}_{part}" in values:
                setattr(trigger, part, values[f"{action}_{part}"])
                changed = True
        if changed or (trigger.pk is None and action in ACTIONS):
            if trigger.pk is None and action not in ACTIONS:  # a new row of ours: its texts
                default_subject, default_body = default_texts(action, agent_name=agent.name)
                trigger.subject = default_subject if trigger.subject is None else trigger.subject
                trigger.body = default_body if trigger.body is None else trigger.body
            trigger.save()
    return notifier
