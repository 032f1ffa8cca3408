from django.apps import AppConfig


class HousekeepingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "housekeeping"
    verbose_name = "Housekeeping"

    def ready(self):
        from . import schedules  # noqa: F401  a rule set's cron schedule follows the rule set
