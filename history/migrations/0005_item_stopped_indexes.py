
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('history', '0004_search_fts'),
        ('plex', '0008_session_confirmed'),
        ('users', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='history',
            name='history_his_parent__595ff5_idx',
        ),
        migrations.RemoveIndex(
            model_name='history',
            name='history_his_grandpa_f51521_idx',
        ),
        migrations.AddIndex(
            model_name='history',
            index=models.Index(fields=['parent_rating_key', 'stopped'], name='history_parent_stopped'),
        ),
        migrations.AddIndex(
            model_name='history',
            index=models.Index(fields=['grandparent_rating_key', 'stopped'], name='history_gp_stopped'),
        ),
    ]
