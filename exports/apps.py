from django.apps import AppConfig


def settle_interrupted_exports(sender, **kwargs):
    """At start-up, exports a previous run left "running" are marked failed (Tautulli does the
    same at its start): their task died with the workers."""
    from .exporter import cancel_running

    cancel_running()


class ExportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exports"
    verbose_name = "Exports"

    def ready(self):
        from core.operations_events import server_starting

        server_starting.connect(
            settle_interrupted_exports, dispatch_uid="exports.settle_interrupted_exports"
        )
