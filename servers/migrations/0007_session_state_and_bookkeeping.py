"""Session: ``state`` gets its choices; the monitor's bookkeeping leaves ``raw_stream_info``.

The monitor kept two keys of its own inside the session JSON: ``_refreshed_at`` (last refresh of
the row from /status/sessions) and ``_last_write_attempt`` (last failed history write), both
epoch seconds. They become the columns ``refreshed_at`` and ``last_write_attempt``; the data step
moves existing values out of the JSON (and back on reverse), so ``raw_stream_info`` holds only
what PMS gave (and the item's markers). Historical models and ``json`` only: frozen.
"""

import json

from django.db import migrations, models

MOVED = {"_refreshed_at": "refreshed_at", "_last_write_attempt": "last_write_attempt"}  # frozen
BATCH = 500


def _epoch(value):
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def move_out_of_json(apps, schema_editor):
    session_model = apps.get_model("plex", "Session")
    has_key = models.Q()
    for key in MOVED:
        has_key |= models.Q(raw_stream_info__contains=f'"{key}"')
    changed = []
    for session in session_model.objects.using(schema_editor.connection.alias).filter(has_key).only("pk", "raw_stream_info").iterator():
        try:
            info = json.loads(session.raw_stream_info)
        except ValueError:
            continue
        if not isinstance(info, dict) or not any(key in info for key in MOVED):
            continue
        for key, column in MOVED.items():
            if key in info:
                setattr(session, column, _epoch(info.pop(key)))
        session.raw_stream_info = json.dumps(info)
        changed.append(session)
    session_model.objects.using(schema_editor.connection.alias).bulk_update(
        changed, ["raw_stream_info", *MOVED.values()], batch_size=BATCH
    )


def move_back_into_json(apps, schema_editor):
    session_model = apps.get_model("plex", "Session")
    has_value = models.Q()
    for column in MOVED.values():
        has_value |= models.Q(**{f"{column}__isnull": False})
    changed = []
    for session in session_model.objects.using(schema_editor.connection.alias).filter(has_value).iterator():
        try:
            info = json.loads(session.raw_stream_info or "{}")
        except ValueError:
            continue
        if not isinstance(info, dict):
            continue
        for key, column in MOVED.items():
            if getattr(session, column) is not None:
                info[key] = getattr(session, column)
        session.raw_stream_info = json.dumps(info)
        changed.append(session)
    session_model.objects.using(schema_editor.connection.alias).bulk_update(changed, ["raw_stream_info"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('plex', '0006_library_media_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='session',
            name='last_write_attempt',
            field=models.BigIntegerField(blank=True, help_text='epoch seconds: last failed attempt to write the history of the stopped stream.', null=True),
        ),
        migrations.AddField(
            model_name='session',
            name='refreshed_at',
            field=models.BigIntegerField(blank=True, help_text='epoch seconds: last refresh of the row from /status/sessions (empty: none since the stream started).', null=True),
        ),
        migrations.AlterField(
            model_name='session',
            name='state',
            field=models.TextField(blank=True, choices=[('playing', 'Playing'), ('paused', 'Paused'), ('buffering', 'Buffering'), ('error', 'Error'), ('stopped', 'Stopped, history not written yet')], null=True),
        ),
        migrations.RunPython(move_out_of_json, move_back_into_json),
    ]
