from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template import TemplateSyntaxError

from vocloop.admin_site import QualityManagerAdmin, ReadOnlyAdmin
from vocloop.lib.words import counted
from vocloop.notifications.emails import KINDS, compile_sources
from vocloop.notifications.models import (
    WEBHOOK_EVENTS,
    EmailTemplate,
    OutboxMessage,
    Unsubscribe,
    WebhookSubscription,
)
from vocloop.notifications.outbox import outbox_retry


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "events", "format", "active"]
        # From the list the subscription is checked against, so that a new event is
        # offered here as soon as vocloop sends it.
        help_texts = {
            "events": 'A list of events, e.g. ["case.opened", "action.closed"], from: '
            + ", ".join(WEBHOOK_EVENTS)
            + "."
        }


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(QualityManagerAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "format", "active"]
    list_filter = ["active", "format"]


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["kind", "description", "subject", "body_text", "body_html"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data["kind"] not in KINDS:
            self.add_error("kind", "Unknown kind; one of: " + ", ".join(sorted(KINDS)))
        try:
            compile_sources(
                data.get("subject", ""), data.get("body_text", ""), data.get("body_html", "")
            )
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(f"The template does not parse: {exc}") from None
        return data


@admin.register(EmailTemplate)
class EmailTemplateAdmin(QualityManagerAdmin):
    form = EmailTemplateForm
    list_display = ["kind", "description", "subject"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "channel",
        "kind",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "dedup_key", "subject"]
    actions = ["retry"]

    @admin.action(description="Retry the selected notifications now")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox_retry(messages=queryset)
        again = f"{counted(count, 'notification')} will be sent again."
        self.message_user(request, again, messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Actions need change permission; the change form itself shows no editable field.
        return super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in OutboxMessage._meta.fields]


@admin.register(Unsubscribe)
class UnsubscribeAdmin(QualityManagerAdmin):
    list_display = ["email", "created_at"]
    search_fields = ["email"]
