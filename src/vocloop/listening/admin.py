from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from vocloop.admin_site import QualityManagerAdmin, QualityManagerInline, ReadOnlyAdmin
from vocloop.listening.links import survey_url
from vocloop.listening.models import CaseRule, Feedback, Survey, Touchpoint


class CaseRuleInline(QualityManagerInline):
    model = CaseRule
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = "case rule"
    verbose_name_plural = (
        "Case rule — scores at or below these open a case (empty turns a scale off). "
        "CES is asked “how easy”, 1 very difficult to 7 very easy. Without a rule, the "
        "defaults apply: NPS ≤ 6, CSAT ≤ 2, CES ≤ 3 and every complaint. A comment without "
        "a score opens a case when its sentiment (−1 to 1) is at or below the sentiment limit."
    )


class SurveyInline(QualityManagerInline):
    model = Survey
    extra = 0
    fields = ["name", "kind", "question", "comment_question", "active", "public_link"]
    readonly_fields = ["public_link"]

    @admin.display(description="Public link")
    def public_link(self, survey: Survey) -> str:
        if not survey.pk:
            return "—"
        url = survey_url(survey)
        return format_html('<a href="{}">{}</a>', url, url)


@admin.register(Touchpoint)
class TouchpointAdmin(QualityManagerAdmin):
    list_display = ["name", "stage", "owning_team", "active"]
    list_filter = ["stage", "owning_team", "active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CaseRuleInline, SurveyInline]


@admin.register(Survey)
class SurveyAdmin(QualityManagerAdmin):
    list_display = ["name", "touchpoint", "kind", "active", "public_link"]
    list_filter = ["kind", "active", "touchpoint"]
    readonly_fields = ["public_link", "public_slug"]

    public_link = SurveyInline.public_link


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["reference", "touchpoint", "kind", "score_type", "score", "received_at", "case"]
    list_filter = ["kind", "score_type", "channel", "touchpoint"]
    search_fields = ["reference", "comment"]
    date_hierarchy = "received_at"
    list_select_related = ["touchpoint", "case"]
