from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self):
        from core.tautulli_api.registry import register_app_token_authenticator

        from . import (
            housekeeping,  # noqa: F401  connects the housekeeping events
            operations,  # noqa: F401  connects the operations events (database_corrupt)
            pipeline,  # noqa: F401  connects the monitor's events to the notifiers
        )
        from .devices import authenticate_device_token

        register_app_token_authenticator(authenticate_device_token)
