"""Tautulli's Script agent (id 15, reference 4.1): runs a script of the scripts folder.

Only scripts inside ``settings.NOTIFY_SCRIPTS_DIR`` run (unset setting: nothing runs); the
configured ``script`` (a path, absolute as Tautulli stores it, or relative to the folder) is
resolved (symlinks and ``..`` included) and refused when outside. The interpreter follows the
extension as Tautulli (``.py`` with this Python, ``.sh`` executed directly, ...). Arguments are the
subject, shlex-split (the pipeline formats each argument). The timeout is the notifier's
``timeout`` capped by ``settings.NOTIFY_SCRIPT_TIMEOUT`` (0 = the setting). Runs synchronously in
the delivery task; stdout/stderr (truncated) are in the returned note or the error.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .base import Agent, DeliveryError, Opt

#: Extension → interpreter (``""``: executed directly), as Tautulli's script agent.
INTERPRETERS = {
    ".bat": "",
    ".cmd": "",
    ".php": "php",
    ".pl": "perl",
    ".ps1": "powershell -executionPolicy bypass -file",
    ".py": sys.executable,
    ".pyw": "pythonw",
    ".rb": "ruby",
    ".sh": "",
}
OUTPUT_LIMIT = 500  # characters of stdout/stderr kept in the note


def scripts_dir() -> Path | None:
    """The resolved ``NOTIFY_SCRIPTS_DIR``, or ``None`` when unset."""
    folder = getattr(settings, "NOTIFY_SCRIPTS_DIR", None)
    return Path(folder).resolve() if folder else None


def list_scripts(config=None) -> dict[str, str]:
    """``{absolute path: path relative to the folder}`` of the runnable scripts, plus ``""``."""
    found = {"": ""}
    root = scripts_dir()
    if root and root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in INTERPRETERS:
                found[str(path)] = str(path.relative_to(root))
    return found


def resolve_script(script: str) -> Path:
    """The script's resolved path inside the scripts folder; ``DeliveryError`` otherwise."""
    root = scripts_dir()
    if root is None:
        raise DeliveryError("Script: scripts are disabled (NOTIFY_SCRIPTS_DIR is not set)", False)
    if not script:
        raise DeliveryError("Script: no script selected", retryable=False)
    path = (root / script).resolve()  # an absolute script replaces root
    if not path.is_relative_to(root):
        raise DeliveryError(f"Script: {script} is outside the scripts folder, refused", False)
    if not path.is_file():
        raise DeliveryError(f"Script: {script} does not exist", retryable=False)
    if path.suffix not in INTERPRETERS:
        raise DeliveryError(f"Script: {path.suffix or 'no'} extension is not a script type", False)
    return path


def _clip(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + "…"


class Script(Agent):
    """Runs ``script`` with the subject's arguments (reference 4.1: script_folder, script,
    timeout). ``script_folder`` is kept for imported configs; the folder used is the setting."""

    id, name, label = 15, "scripts", "Script"
    body_format = "args"
    defaults = {"script_folder": "", "script": "", "timeout": 30}
    option_specs = (
        Opt("", "help", "Script types", ", ".join(INTERPRETERS)),
        Opt(
            "script_folder",
            "text",
            "Scripts folder",
            "Kept from Tautulli; only scripts in the server's NOTIFY_SCRIPTS_DIR can run.",
        ),
        Opt("script", "select", "Script", "The script to run.", list_scripts),
        Opt(
            "timeout",
            "number",
            "Timeout (s)",
            "Seconds before the script is stopped (0: the server's limit, which also caps it).",
        ),
    )

    def send(self, config, subject, body, *, action, parameters, script_args=None):
        """Run the script; returns ``"exit 0; stdout: …"``. A non-zero exit or a timeout is a
        non-retryable :class:`DeliveryError` holding the output. ``script_args`` (a list)
        overrides the subject (the ``notify`` command's ``script_args``)."""
        config = self.normalize(config)
        path = resolve_script(str(config["script"]))
        args = list(script_args) if script_args is not None else shlex.split(subject or "")
        prefix = INTERPRETERS[path.suffix]
        command = [*shlex.split(prefix), str(path)] if prefix else [str(path)]
        limit = settings.NOTIFY_SCRIPT_TIMEOUT
        timeout = min(config["timeout"], limit) if config["timeout"] > 0 else limit
        env = {**os.environ, "TAUTULLI_NOTIFY_ACTION": action or ""}
        try:
            done = subprocess.run(
                [*command, *args],
                cwd=path.parent,
                env=env,
                capture_output=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as e:
            raise DeliveryError(f"Script: {path.name} stopped after {timeout} s", False) from e
        except OSError as e:
            raise DeliveryError(f"Script: cannot run {path.name}: {e.strerror}", False) from e
        note = f"exit {done.returncode}"
        if done.stdout.strip():
            note += f"; stdout: {_clip(done.stdout)}"
        if done.stderr.strip():
            note += f"; stderr: {_clip(done.stderr)}"
        if done.returncode != 0:
            raise DeliveryError(f"Script: {path.name} failed, {note}", retryable=False)
        return note
