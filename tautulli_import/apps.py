from django.apps import AppConfig


class TautulliImportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tautulli_import"
    verbose_name = "Tautulli imports"
