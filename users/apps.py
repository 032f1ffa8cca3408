from django.apps import AppConfig


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = "Plex users"

    def ready(self):
        # The web login log's receivers of user_logged_in / user_login_failed.
        from . import logins  # noqa: F401
