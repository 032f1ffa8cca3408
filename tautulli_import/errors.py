"""Errors of the Tautulli import, each one line that is safe to print (no row values, no secrets)."""


class TautulliImportError(Exception):
    """The import failed; nothing was written (the whole import runs in one transaction)."""

    exit_status = 1


class SourceError(TautulliImportError):
    """The source is missing, not SQLite, corrupt, or not a Tautulli database (exit status 2)."""

    exit_status = 2
