"""The admin's preview: a notifier's texts for one trigger, rendered with the parameters of the
most recent real play (the latest History row), as the pipeline would render them.

The play's parameters come from :func:`notifications.parameters.stream_parameters` given the
history row as its session and ``history_id``, with PMS left out (:data:`NO_PMS`): the item's
metadata is read from the history row (:func:`notifications.parameters.sources.history_values`),
so a preview never waits on PMS and shows what was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.timeutils import to_epoch
from history.models import History

from .agents import agent_by_id
from .models import Notifier
from .notifiers import trigger_texts
from .parameters import stream_parameters
from .parameters.sources import PmsReads
from .text import MODE_SCRIPT


class _NoPms(Exception):
    """Never raised: the preview does not ask PMS."""


#: PMS readers that know nothing, so the builders fall back to the history row.
NO_PMS = PmsReads(
    metadata=lambda server, rating_key: None,
    children=lambda server, rating_key: {},
    unavailable=_NoPms,
)


@dataclass(frozen=True)
class Preview:
    """A rendered trigger. ``play``: the history row used (None: there is no play yet, and
    nothing was rendered); ``script_args``: a script agent's arguments; ``errors``: the
    formatter's complaints (a malformed template falls back to the default text)."""

    action: str
    play: History | None
    subject: str = ""
    body: str = ""
    script_args: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def latest_play() -> History | None:
    """The most recently started History row (one indexed query), or None."""
    return History.objects.select_related("server", "user").order_by("-started", "-id").first()


def play_session(row: History) -> dict:
    """A history row as the session dict the parameter builders take: its columns, Tautulli's
    ``user``/``user_id``/``friendly_name``, ``started``/``stopped`` as epoch seconds."""
    session = {
        f.name: getattr(row, f.attname)
        for f in History._meta.concrete_fields
        if not f.is_relation and f.name not in ("id",)
    }
    user = row.user
    session.update(
        user_id=row.user_id,
        user=row.username or (user.username if user else ""),
        friendly_name=(user.friendly_name or user.username) if user else row.username or "",
        started=to_epoch(row.started),
        stopped=to_epoch(row.stopped),
        server_id=row.server_id,
        secure=int(row.secure) if row.secure is not None else "",
        relayed=int(row.relayed) if row.relayed is not None else "",
    )
    return session


def play_parameters(action: str, row: History) -> dict:
    """The notification parameters of ``action`` for the play ``row`` (see module doc)."""
    return stream_parameters(row.server, action, play_session(row), history_id=row.pk, reads=NO_PMS)


def preview(notifier: Notifier, action: str, row: History | None = None) -> Preview:
    """``notifier``'s stored subject and body for ``action`` rendered with the parameters of
    ``row`` (default :func:`latest_play`), with the agent's HTML policy and text mode."""
    from .pipeline import TEXT_MODES, render_texts

    row = row or latest_play()
    if row is None:
        return Preview(action=action, play=None)
    agent = agent_by_id(notifier.agent_id)
    trigger = trigger_texts(notifier)[action]
    mode = TEXT_MODES[agent.text_format(notifier.config or {})]
    rendered = render_texts(notifier, agent, trigger, action, play_parameters(action, row))
    return Preview(
        action=action,
        play=row,
        subject=rendered.subject if mode != MODE_SCRIPT else "",
        body=rendered.body,
        script_args=list(rendered.script_args),
        errors=list(rendered.errors),
    )
