"""Sync from a running Tautulli through its ``/api/v2`` (issue 13 part 3).

Modules: ``client`` (the HTTP client: one readable line per failure, never the API key),
``staging`` (API rows → an in-memory SQLite database with Tautulli's table and column names, so
that the file import's column plans, id maps and dedupe apply unchanged), ``sync`` (users and
libraries, then history page by page, each page in a transaction, the cursor moved after it
commits). Entry points: :func:`tautulli_import.remote.sync.sync_connection`,
:func:`tautulli_import.remote.sync.check_connection`.
"""
