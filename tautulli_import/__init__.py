"""Import of a Tautulli database (``manage.py import_tautulli``): lossless, idempotent, atomic.

Modules: ``source`` (open read-only, validate, probe columns), ``sql`` (value conversions as
SQLite expressions), ``idmap`` (id offsets), ``tables`` (table and column mappings), ``writer``
(COPY / executemany), ``progress`` (progress lines), ``importer`` (orchestration).

Python API: ``tautulli_import.importer.import_tautulli(path, server_name=None, dry_run=False)
-> ImportResult``; errors in ``tautulli_import.errors``. The record of each import is
:class:`tautulli_import.models.TautulliImport`.
"""
