from django.db import migrations

from history.search_index import install_search_index, remove_search_index


# SQLite only (PostgreSQL keeps the trigram index of 0002): a trigram FTS5 index over
# HistoryGroup.search_text for get_history's search, kept current by triggers on the groups
# table. Defined in history.search_index; a later migration that rebuilds history_historygroup
# on SQLite calls install_search_index again (SQLite drops the table's triggers).
def create_search_index(apps, schema_editor):
    install_search_index(schema_editor.connection)


def drop_search_index(apps, schema_editor):
    remove_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0003_history_user_stopped"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
    ]
