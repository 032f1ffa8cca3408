from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Settings"

    def ready(self):
        # Every app's /api/v2 commands live in its apiv2.py (see core.tautulli_api.registry).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("apiv2")
        from . import checks, config  # noqa: F401  (its system checks, its signal receivers)
