"""Every notification agent by id and name (reference 4.1, plus our Apprise URL agent, 100).

``AGENTS: {agent_id: Agent}``; :func:`agent_by_id`, :func:`agent_by_name`,
:func:`agent_choices` ``[(id, label)]`` sorted by label for the admin's picker.
"""

from __future__ import annotations

from .apprise_agents import APPRISE_AGENTS
from .base import Agent
from .http_agents import HTTP_AGENTS
from .mqtt import MQTT
from .remote_app import RemoteApp
from .script import Script
from .webhook import Webhook

AGENTS: dict[int, Agent] = {
    cls.id: cls()
    for cls in sorted(
        (*APPRISE_AGENTS, *HTTP_AGENTS, MQTT, RemoteApp, Script, Webhook), key=lambda c: c.id
    )
}
_BY_NAME = {agent.name: agent for agent in AGENTS.values()}


class UnknownAgent(KeyError):
    """No agent has that id or name."""

    def __str__(self):
        return str(self.args[0])


def agent_by_id(agent_id) -> Agent:
    """The agent of ``agent_id`` (int or numeric text); :class:`UnknownAgent` otherwise."""
    try:
        return AGENTS[int(agent_id)]
    except (KeyError, TypeError, ValueError):
        raise UnknownAgent(f"Unknown notification agent id: {agent_id!r}") from None


def agent_by_name(name: str) -> Agent:
    """The agent named ``name`` (Tautulli's ``agent_name``); :class:`UnknownAgent` otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownAgent(f"Unknown notification agent name: {name!r}") from None


def agent_choices(*, available_only: bool = False) -> list[tuple[int, str]]:
    """``[(agent_id, label)]`` sorted by label (case-insensitive); with ``available_only``,
    without the agents that cannot deliver here (kept for imported notifiers)."""
    agents = [a for a in AGENTS.values() if a.available or not available_only]
    return sorted(((a.id, a.label) for a in agents), key=lambda c: c[1].lower())


def unavailable_agents() -> list[tuple[str, str]]:
    """``[(label, reason)]`` of the agents that cannot deliver here, by label."""
    return sorted(
        ((a.label, a.reason) for a in AGENTS.values() if not a.available),
        key=lambda c: c[0].lower(),
    )
