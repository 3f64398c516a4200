from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from vocloop.admin_site import QualityManagerAdmin, ReadOnlyAdmin
from vocloop.insights.originals import text_settings
from vocloop.retention.models import Purge, RetentionSettings
from vocloop.retention.purge import counts_said, retention_purge
from vocloop.retention.selectors import retention_settings


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(QualityManagerAdmin):
    """One row, edited in place: the list leads to it."""

    fieldsets = [
        (
            "What customers wrote, and cases",
            {"fields": ["feedback_text_days", "case_text_days", "unmasked_originals"]},
        ),
        (
            "vocloop's own records",
            {
                "fields": [
                    "sent_notifications_days",
                    "api_answers_days",
                    "task_results_days",
                    "audit_reads_days",
                    "sessions",
                ]
            },
        ),
        ("The nightly purge", {"fields": ["next_purge", "last_purge"]}),
    ]
    readonly_fields = ["unmasked_originals", "sessions", "next_purge", "last_purge"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect("admin:retention_retentionsettings_change", retention_settings().pk)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        self.message_user(
            request,
            "Saved. The next nightly purge applies it; “vocloop retention purge --dry-run” "
            "lists what it would remove.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(request.path)

    @admin.display(description="Unmasked originals")
    def unmasked_originals(self, obj: RetentionSettings) -> str:
        days = text_settings().keep_original_days
        return format_html(
            'Kept {} days by the rule of <a href="{}">Themes → Personal data</a>, where it is '
            "set; purged every hour.",
            days,
            reverse("insights:settings"),
        )

    @admin.display(description="Sessions")
    def sessions(self, obj: RetentionSettings) -> str:
        return (
            f"Deleted once expired: {settings.SESSION_IDLE_MINUTES} minutes without a request "
            "(VOCLOOP_SESSION_IDLE_MINUTES)."
        )

    @admin.display(description="Tonight, with the settings as saved")
    def next_purge(self, obj: RetentionSettings) -> str:
        return retention_purge(now=timezone.now(), dry_run=True).said().capitalize() + "."

    @admin.display(description="Last purge")
    def last_purge(self, obj: RetentionSettings) -> str:
        last = Purge.objects.first()
        if last is None:
            return "None yet."
        return format_html(
            '{}, by the {}: {}. <a href="{}">Every purge</a>',
            timezone.localtime(last.started_at).strftime("%Y-%m-%d %H:%M"),
            last.by,
            (counts_said(last.counts) or "nothing past its retention")
            + ("" if last.finished_at else " (cut short: the next purge goes on)"),
            reverse("admin:retention_purge_changelist"),
        )


@admin.register(Purge)
class PurgeAdmin(ReadOnlyAdmin):
    """The record of purges: when, by what, and how many rows of each kind."""

    list_display = ["started_at", "finished_at", "by", "removed"]

    @admin.display(description="Removed")
    def removed(self, purge: Purge) -> str:
        return counts_said(purge.counts) or "nothing"
