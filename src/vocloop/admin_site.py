"""The settings area: Django's admin, open to quality managers.

Access follows vocloop's roles (accounts/roles.py) rather than Django's per-model
permissions, so making someone a quality manager is one group membership.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from vocloop.accounts.forms import ThrottledAdminLoginForm, refused_answer
from vocloop.accounts.roles import is_quality_manager


class VocloopAdminSite(admin.AdminSite):
    site_header = "vocloop settings"
    site_title = "vocloop settings"
    index_title = "Teams, touch points, surveys and rules"
    site_url = "/staff/"
    login_form = ThrottledAdminLoginForm

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Django's, with the failed-login limits of the staff login (a 429 when refused)."""
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", None) or {}
        return refused_answer(response, form.get("form"))

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
