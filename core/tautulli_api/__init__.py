"""Tautulli's /api/v2: one dispatcher (auth, envelope, output formats) and a registry of commands.

Each app declares its commands in its own ``apiv2.py`` with :func:`api_command`; they are
discovered at start-up (``CoreConfig.ready``), so adding a command touches one app.
"""

from .encoded import EncodedJSON
from .errors import ApiError
from .params import Params
from .registry import COMMANDS, api_command

__all__ = ["ApiError", "EncodedJSON", "Params", "COMMANDS", "api_command"]
