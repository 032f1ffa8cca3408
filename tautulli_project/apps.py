"""The audit log app (django-auditlog) as this project configures it.

``INSTALLED_APPS`` lists :class:`AuditConfig` in place of ``"auditlog"`` (settings, "Audit"):
the same app (label ``auditlog``, its migrations and models), whose ``ready()`` also installs
what :mod:`tautulli_project.audit` adds to it. ``tautulli_project`` is no app of its own.
"""

from auditlog.apps import AuditlogConfig


class AuditConfig(AuditlogConfig):
    def ready(self):
        super().ready()  # registers AUDITLOG_INCLUDE_TRACKING_MODELS
        from . import audit

        audit.install()
