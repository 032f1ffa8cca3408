"""/api/v2 commands of the libraries app: library lists and tables, and per-library statistics."""

from . import library_growth, library_stats, library_tables  # noqa: F401 - registers the commands
