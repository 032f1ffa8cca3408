from django.apps import AppConfig


class PlexConfig(AppConfig):
    """Everything that talks to Plex Media Server and plex.tv (through plexapi): the monitor and
    its reconciling poll, the users, libraries and inventory sync, item metadata and images, the
    demo server and the fake PMS of the tests. Its records live in the ``servers`` app (label
    ``plex``), hence its own label here."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "plex"
    label = "plex_integration"
    verbose_name = "Plex integration"
