from django.contrib.admin.apps import AdminConfig


class VocloopAdminConfig(AdminConfig):
    """Django's admin with vocloop's site (admin_site.py), which quality managers may use."""

    default_site = "vocloop.admin_site.VocloopAdminSite"
