"""The registry of /api/v2 commands."""

from collections.abc import Callable
from dataclasses import dataclass

COMMANDS: dict[str, "Command"] = {}


@dataclass(frozen=True)
class Command:
    name: str
    func: Callable
    raw: bool = False  # answered without the envelope (docs_md, pms_image_proxy...)

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


def api_command(name: str | None = None, *, raw: bool = False):
    """Register ``func(request, params) -> data`` as the /api/v2 command ``name``.

    ``params`` is a :class:`core.tautulli_api.Params` over the request's parameters (reserved ones
    removed). The function returns the envelope's ``data`` (``None`` means ``{}``), raises
    :class:`core.tautulli_api.ApiError` for bad input, or returns a dict with ``result``/``message`` keys
    that are lifted into the envelope, as Tautulli does. Its docstring is served by ``docs``.
    """

    def decorator(func):
        cmd = name or func.__name__
        if cmd in COMMANDS and COMMANDS[cmd].func is not func:
            raise RuntimeError(f"/api/v2 command {cmd} registered twice")
        COMMANDS[cmd] = Command(cmd, func, raw)
        return func

    return decorator
