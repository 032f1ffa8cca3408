"""The admin app installed with :class:`core.admin_kit.site.AdminSite` as its default site.

``INSTALLED_APPS`` lists ``core.admin_kit.apps.AdminConfig`` instead of ``django.contrib.admin``
(and ``unfold.apps.BasicAppConfig`` instead of ``unfold``, whose default config would install
its own site over this one): Django's way to give ``admin.site`` a class of one's own.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "core.admin_kit.site.AdminSite"
