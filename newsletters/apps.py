from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "newsletters"

    def ready(self):
        from . import schedules  # noqa: F401  a newsletter's cron schedule follows the newsletter
