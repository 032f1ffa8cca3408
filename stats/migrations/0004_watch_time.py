from django.db import migrations, models


def build_tables(apps, schema_editor):
    """Fill the new tables from the history already there, so that no reader builds them.

    Uses the maintenance code of this release (``stats.watch_time``, ``stats.monthly``): it reads
    History through the columns it needs, which this migration's dependencies provide.
    """
    from django.db import DEFAULT_DB_ALIAS

    from history.grouping import sync_groups
    from stats import monthly, watch_time

    alias = schema_editor.connection.alias
    if apps.get_model("history", "History").objects.using(alias).exists():
        if alias != DEFAULT_DB_ALIAS:  # the maintenance code works on the default database
            raise RuntimeError(
                f"stats 0004 fills its tables from history: migrate {alias!r} as the default "
                "database (DATABASE_URL), or migrate it empty"
            )
        sync_groups()
        watch_time.rebuild()
        monthly.rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0003_update_schedule'),
        ('history', '0005_item_stopped_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DailyWatchTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(default='d', max_length=1)),
                ('date', models.DateField(help_text='local date the rows stopped', null=True)),
                ('server_id', models.BigIntegerField()),
                ('user_id', models.BigIntegerField(null=True)),
                ('section_id', models.IntegerField(null=True)),
                ('rows', models.IntegerField(default=0)),
                ('duration', models.BigIntegerField(default=0, help_text='seconds')),
                ('plays', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name_plural': 'daily watch time',
                'indexes': [models.Index(fields=['period', 'date'], name='stats_watch_date'), models.Index(fields=['user_id', 'period', 'date', 'server_id', 'section_id', 'rows', 'duration', 'plays'], name='stats_watch_user'), models.Index(fields=['section_id', 'period', 'date', 'server_id', 'user_id', 'rows', 'duration', 'plays'], name='stats_watch_section')],
            },
        ),
        migrations.CreateModel(
            name='MonthlyItemTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='first local date of the month rows stopped in', null=True)),
                ('server_id', models.BigIntegerField()),
                ('user_id', models.BigIntegerField(null=True)),
                ('rows', models.IntegerField(default=0)),
                ('duration', models.BigIntegerField(default=0, help_text='seconds')),
                ('plays', models.IntegerField(default=0)),
                ('level', models.CharField(max_length=1)),
                ('rating_key', models.IntegerField()),
            ],
            options={
                'verbose_name_plural': 'monthly item time',
                'indexes': [models.Index(fields=['rating_key', 'month', 'server_id', 'user_id', 'rows', 'duration', 'plays'], name='stats_item_key'), models.Index(fields=['month'], name='stats_item_month')],
            },
        ),
        migrations.CreateModel(
            name='MonthlyPlayerTime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='first local date of the month rows stopped in', null=True)),
                ('server_id', models.BigIntegerField()),
                ('user_id', models.BigIntegerField(null=True)),
                ('rows', models.IntegerField(default=0)),
                ('duration', models.BigIntegerField(default=0, help_text='seconds')),
                ('plays', models.IntegerField(default=0)),
                ('player', models.TextField(null=True)),
                ('platform', models.TextField(null=True)),
            ],
            options={
                'verbose_name_plural': 'monthly player time',
                'indexes': [models.Index(fields=['user_id', 'month', 'server_id', 'player', 'platform', 'rows', 'duration', 'plays'], name='stats_player_user'), models.Index(fields=['month'], name='stats_player_month')],
            },
        ),
        migrations.RunPython(build_tables, migrations.RunPython.noop),
    ]
