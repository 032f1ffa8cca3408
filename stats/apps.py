from django.apps import AppConfig


class StatsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stats"
    verbose_name = "Statistics"

    def ready(self):
        # Connect the receivers: history → rollup days; users and libraries → cached cards.
        from . import home_cache, media_stats, rollup  # noqa: F401
