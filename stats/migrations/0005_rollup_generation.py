
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0004_watch_time'),
    ]

    operations = [
        migrations.AddField(
            model_name='rollupstate',
            name='generation',
            field=models.BigIntegerField(default=0, help_text='+1 whenever a rollup changes: what cached statistics are valid for'),
        ),
    ]
