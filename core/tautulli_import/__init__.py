"""Import of a Tautulli database (``manage.py import_tautulli``): lossless, idempotent, atomic.

Modules: ``source`` (open read-only, validate, probe columns), ``sql`` (value conversions as
SQLite expressions), ``idmap`` (id offsets), ``tables`` (table and column mappings), ``writer``
(COPY / executemany), ``progress`` (progress lines), ``importer`` (orchestration).

Python API: ``import_tautulli(path, server_name=None, dry_run=False) -> ImportResult``.
"""

from .errors import SourceError, TautulliImportError
from .importer import ImportResult, import_tautulli

__all__ = ["ImportResult", "SourceError", "TautulliImportError", "import_tautulli"]
