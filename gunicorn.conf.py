"""gunicorn's settings for ``scripts/run`` and the Docker image (``gunicorn --config
gunicorn.conf.py``): its logging, and the longest request line it reads.

``limit_request_line`` is gunicorn's largest (8190 bytes, against 4094 by default): a long
``/api/v2`` query (a client listing many ids, or more parameters than Django reads) then reaches
Django, which answers Tautulli's envelope, instead of gunicorn's HTML 400. Only a request line
longer than that is refused by gunicorn itself.

The access log (one line per request, on stdout) and the error log (stderr) go through
:class:`core.log_filters.RedactSecrets`, as Django's logs do: the ``apikey=`` of ``/api/v2``
requests, Tautulli Remote device tokens, ``X-Plex-Token`` and URL passwords never reach them.
With ``logconfig_dict`` set, gunicorn writes the access log without ``--access-logfile``; that
option would add a second, unfiltered handler, so it is not used.
"""

limit_request_line = 8190

_HANDLER = {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "core.log_filters.RedactSecrets"}},
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "access": {**_HANDLER, "formatter": "access", "stream": "ext://sys.stdout"},
        "error": {**_HANDLER, "formatter": "generic", "stream": "ext://sys.stderr"},
    },
    "root": {"level": "INFO", "handlers": ["error"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
