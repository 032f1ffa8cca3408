"""System checks of the foundation (``manage.py check``; also run by ``migrate`` and
``runserver``).

``core.E001``: an environment variable whose value settings.py could not use (not a number, out
of range, an unknown time zone...; :mod:`core.environment`), one error per variable, naming it.
The variable's default is in force meanwhile (the message says which).
"""

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_environment(app_configs=None, **kwargs) -> list[Error]:
    return [
        Error(problem, id="core.E001") for problem in getattr(settings, "ENVIRONMENT_PROBLEMS", [])
    ]
