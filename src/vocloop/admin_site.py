"""The settings area: Django's admin, open to quality managers.

Access follows vocloop's roles (accounts/roles.py) rather than Django's per-model
permissions, so making someone a quality manager is one group membership.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from vocloop.accounts.roles import is_quality_manager


class VocloopAdminSite(admin.AdminSite):
    site_header = "vocloop settings"
    site_title = "vocloop settings"
    index_title = "Teams, touch points, surveys and rules"
    site_url = "/staff/"

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """The settings area has no login of its own: the staff login, with its limits on
        failed logins and its second factor, is the one way in."""
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        return redirect_to_login(target, login_url=reverse("login"))

    def has_permission(self, request: HttpRequest) -> bool:
        return is_quality_manager(request.user)


class QualityManagerAdmin(admin.ModelAdmin):
    """A settings model a quality manager may read and change in full."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_quality_manager(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_quality_manager(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)


class QualityManagerInline(admin.TabularInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_quality_manager(request.user)


class ReadOnlyAdmin(QualityManagerAdmin):
    """Records that only change through vocloop's own pages and services."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
