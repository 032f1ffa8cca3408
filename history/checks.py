"""System checks of the history app (``manage.py check --database default``, and ``migrate``).

``history.E001``: a trigger of :mod:`history.triggers` is missing (or disabled) on a database
where migration ``0002_history_groups`` installed them: changes to the history tables no longer
queue their plays, so ``get_history``'s plays go stale.

``history.E002`` (SQLite): a trigger of the search index (:mod:`history.search_index`, migration
``0004_search_fts``) is missing, for instance after a migration rebuilt the plays table without
installing it again: ``get_history``'s search misses new and changed plays.
"""

from django.core.checks import Error, Tags, register
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from . import search_index
from .triggers import missing_triggers

# The migrations that install the triggers: before them, there is nothing to check.
INSTALLED_BY = ("history", "0002_history_groups")
SEARCH_INSTALLED_BY = ("history", "0004_search_fts")


@register(Tags.database)
def check_history_triggers(app_configs=None, databases=None, **kwargs) -> list[Error]:
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if INSTALLED_BY not in MigrationRecorder(connection).applied_migrations():
            continue
        missing = missing_triggers(connection)
        if missing:
            errors.append(
                Error(
                    f"History triggers missing on database {alias!r}: {', '.join(missing)}.",
                    hint=(
                        "Changes to the history tables no longer queue their plays for "
                        "history.grouping. Run `manage.py install_history_triggers`."
                    ),
                    id="history.E001",
                )
            )
    return errors


@register(Tags.database)
def check_search_index_triggers(app_configs=None, databases=None, **kwargs) -> list[Error]:
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if SEARCH_INSTALLED_BY not in MigrationRecorder(connection).applied_migrations():
            continue
        missing = search_index.missing_triggers(connection)
        if missing:
            errors.append(
                Error(
                    f"Search index triggers missing on database {alias!r}: {', '.join(missing)}.",
                    hint=(
                        "get_history's search misses new and changed plays. Run "
                        "`manage.py install_history_triggers` (it rebuilds the index)."
                    ),
                    id="history.E002",
                )
            )
    return errors
