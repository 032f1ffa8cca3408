from django.apps import AppConfig


class ServersConfig(AppConfig):
    """The Plex Media Servers this instance watches and their live sessions: the records every
    other app points at, without the code that talks to Plex (that is the ``plex`` app).

    The label stays ``plex``, as before this package was split from the monitor: the tables
    (``plex_server``, ``plex_session``...), the migrations, the permissions and the admin's URLs
    (``/admin/plex/server/``) keep their names.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "servers"
    label = "plex"
    verbose_name = "Plex"
