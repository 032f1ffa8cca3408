from django.apps import AppConfig


class HistoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "history"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers its checks, connects receivers)
