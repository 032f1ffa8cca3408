"""Notification agents (reference 4.1): see :mod:`.base` for the interface and
:mod:`.registry` for the table of agents."""

from .base import MASK, Agent, DeliveryError
from .registry import (
    AGENTS,
    UnknownAgent,
    agent_by_id,
    agent_by_name,
    agent_choices,
    unavailable_agents,
)

__all__ = [
    "AGENTS",
    "MASK",
    "Agent",
    "DeliveryError",
    "UnknownAgent",
    "agent_by_id",
    "agent_by_name",
    "agent_choices",
    "unavailable_agents",
]
