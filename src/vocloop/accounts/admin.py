from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from vocloop.accounts.models import ApiScope, ApiToken, SecuritySettings, Team
from vocloop.accounts.roles import is_quality_manager
from vocloop.accounts.services import (
    ApiTokenRefused,
    api_token_create,
    api_token_revoke,
    api_token_scopes_checked,
)
from vocloop.accounts.twofactor import security_settings, security_settings_save
from vocloop.admin_site import QualityManagerAdmin
from vocloop.lib.words import counted


@admin.register(Team)
class TeamAdmin(QualityManagerAdmin):
    list_display = ["name", "lead", "parent", "member_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead", "parent"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("lead", "parent")
            .annotate(members_total=Count("members", distinct=True))
        )

    @admin.display(description="Members", ordering="members_total")
    def member_count(self, team: Any) -> int:
        return int(team.members_total)


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What the token may do; an operation needing another scope is refused.",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scopes", "acts_for", "team", "expires_at"]

    def clean_scopes(self) -> list[str]:
        try:
            return api_token_scopes_checked(self.cleaned_data.get("scopes") or [])
        except ApiTokenRefused as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_expires_at(self) -> Any:
        # A new token that could never be used is a mistake; an existing one's expiry moved
        # to the past ends it, as revoking does.
        expires_at = self.cleaned_data.get("expires_at")
        if self.instance.pk is None and expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("Choose a moment to come, or none for a token that lasts.")
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(QualityManagerAdmin):
    """Tokens are shown once, when created; afterwards only their first characters."""

    form = ApiTokenForm
    list_display = [
        "name",
        "reaches",
        "scope_list",
        "hint",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["acts_for", "team"]
    fields = [
        "name",
        "scopes",
        "acts_for",
        "team",
        "expires_at",
        "hint",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["hint", "created_at", "created_by", "last_used_at", "revoked_at"]
    autocomplete_fields = ["acts_for", "team"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Whose reach a token has is decided once: a new person or team, a new token.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "acts_for", "team"] if obj is not None else readonly

    @admin.display(description="Reaches")
    def reaches(self, token: ApiToken) -> str:
        if token.acts_for is not None:
            return f"What {token.acts_for.get_username()} may"
        if token.team is not None:
            return f"The team {token.team.name}"
        return "Every case"

    @admin.display(description="Scopes")
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes) or "none"

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = api_token_create(
            name=obj.name,
            scopes=obj.scopes,
            created_by=request.user,
            acts_for=obj.acts_for,
            team=obj.team,
            expires_at=obj.expires_at,
        )
        obj.pk = token.pk  # the admin redirects to the saved object
        messages.warning(
            request,
            f"The token for “{token.name}” is {secret} — copy it now: it is not shown again.",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        names = list(queryset.filter(revoked_at__isnull=True).values_list("name", flat=True))
        for name in names:
            api_token_revoke(name=name)
        messages.success(request, f"{counted(len(names), 'token')} revoked.")


@admin.register(SecuritySettings)
class SecuritySettingsAdmin(QualityManagerAdmin):
    """One form, never a list: the settings are one row, changed, never added or deleted."""

    fields = ["require_two_step_login", "required_by_the_server", "updated_at", "updated_by"]
    readonly_fields = ["required_by_the_server", "updated_at", "updated_by"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)  # Django's refusal
        change = "admin:accounts_securitysettings_change"
        return redirect(reverse(change, args=[security_settings().pk]))

    @admin.display(description="Required by the server")
    def required_by_the_server(self, obj: SecuritySettings) -> str:
        if settings.REQUIRE_TOTP:
            return (
                "Yes: VOCLOOP_REQUIRE_TOTP is on, so two-step login is required whatever the "
                "box above says."
            )
        return "No (VOCLOOP_REQUIRE_TOTP is off): the box above decides."

    def save_model(
        self, request: HttpRequest, obj: SecuritySettings, form: Any, change: bool
    ) -> None:
        security_settings_save(changed=obj, by=request.user)


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

    def _may_manage(self, request: HttpRequest, obj: Any) -> bool:
        # A superuser's account (password included) is changed by a superuser only.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return self._qm(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_manage(request, obj)

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


# django-otp's own admin shows and edits secrets: this one only lists and removes.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class SecondFactorAdmin(QualityManagerAdmin):
    """Staff's authenticator apps. A quality manager removes one its owner lost, so that
    they can log in with the password and set up another; nobody sees a secret here."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    search_fields = ["user__username"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
