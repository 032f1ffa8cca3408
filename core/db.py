"""Small database chores shared by the apps that bulk-write derived tables."""

from django.db import connection


def analyze(*models) -> None:
    """``ANALYZE`` the tables of ``models`` (Django model classes), on any database: refresh the
    planner's statistics after a bulk change, which autovacuum does late or, where it is off,
    never. The caller decides when (and on which database) that is worth it. Runs inside the
    caller's transaction if any (both SQLite and PostgreSQL allow it)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
