from django.apps import AppConfig


class HistoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "history"

    def ready(self):
        from . import receivers  # noqa: F401  (connects its signal receivers)
