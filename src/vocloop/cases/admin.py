from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vocloop.admin_site import QualityManagerAdmin
from vocloop.cases.models import ReplyTemplate, RootCause


@admin.register(RootCause)
class RootCauseAdmin(QualityManagerAdmin):
    list_display = ["name", "active"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Resolved cases keep their root cause: retire a category by making it inactive.
        return False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(QualityManagerAdmin):
    list_display = ["name", "team"]
    list_filter = ["team"]
    search_fields = ["name", "body"]
