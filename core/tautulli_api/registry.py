"""The registries of /api/v2: its commands, and who may vouch for an ``app=true`` token."""

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
    removed): the command parses them into typed values and calls domain code, which takes no
    ``Params``. The function returns the envelope's ``data`` (``None`` means ``{}``), raises
    :class:`core.tautulli_api.ApiError` for bad input (domain code raises
    :class:`core.errors.InvalidInput`, answered the same way), or returns a dict with
    ``result``/``message`` keys that are lifted into the envelope, as Tautulli does. Its docstring
    is served by ``docs``.
    """

    def decorator(func):
        cmd = name or func.__name__
        if cmd in COMMANDS and COMMANDS[cmd].func is not func:
            raise RuntimeError(f"/api/v2 command {cmd} registered twice")
        COMMANDS[cmd] = Command(cmd, func, raw)
        return func

    return decorator


# Callables ``(token, command) -> bool``: True when the token is a valid app token for that
# command (``app=true``).
APP_TOKEN_AUTHENTICATORS: list[Callable[[str, str], bool]] = []


def register_app_token_authenticator(
    func: Callable[[str, str], bool],
) -> Callable[[str, str], bool]:
    """Accept ``apikey=TOKEN&app=true`` for command ``cmd`` when ``func(TOKEN, cmd)`` is true
    (Tautulli Remote's device tokens, and its one-off registration tokens for
    ``register_device``, vouched for by the notifications app, which owns the devices).
    Idempotent."""
    if func not in APP_TOKEN_AUTHENTICATORS:
        APP_TOKEN_AUTHENTICATORS.append(func)
    return func
