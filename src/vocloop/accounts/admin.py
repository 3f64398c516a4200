from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest
from django.utils import timezone

from vocloop.accounts.models import ApiToken, Team, hash_token
from vocloop.accounts.roles import is_quality_manager
from vocloop.admin_site import QualityManagerAdmin


@admin.register(Team)
class TeamAdmin(QualityManagerAdmin):
    list_display = ["name", "lead", "parent", "member_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead", "parent"]

    @admin.display(description="Members")
    def member_count(self, team: Team) -> int:
        return team.members.count()


@admin.register(ApiToken)
class ApiTokenAdmin(QualityManagerAdmin):
    """Tokens are shown once, when created; afterwards only their first characters."""

    list_display = ["name", "hint", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "hint", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = ["hint", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            token = ApiToken.generate()
            obj.token_hash = hash_token(token)
            obj.hint = token[:10]
            obj.created_by = request.user  # type: ignore[assignment]
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                f"The token for “{obj.name}” is {token} — copy it now: it is not shown again.",
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"{count} token(s) revoked.")


class StaffUserAdmin(UserAdmin):
    """Quality managers manage staff accounts; only a superuser grants superuser rights."""

    def _qm(self, request: HttpRequest) -> bool:
        return is_quality_manager(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._qm(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._qm(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._qm(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._qm(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._qm(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly


class QualityManagerGroupAdmin(GroupAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, QualityManagerGroupAdmin)
