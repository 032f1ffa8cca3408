from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("libraries", "0006_inventory_sort_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="library",
            name="disk_capacity",
            field=models.BigIntegerField(
                blank=True,
                help_text=(
                    "bytes: the disk space this library may use (its disk or quota); "
                    "empty: not set"
                ),
                null=True,
            ),
        ),
    ]
