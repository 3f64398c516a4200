from django.contrib import admin

from vocloop.admin_site import QualityManagerAdmin, QualityManagerInline
from vocloop.slas.models import BusinessCalendar, Holiday, SlaPolicy


class HolidayInline(QualityManagerInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(QualityManagerAdmin):
    list_display = ["name", "time_zone", "monday", "saturday", "is_default"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone", "is_default"]}),
        (
            "Working hours",
            {
                "description": "Local time, e.g. 09:00-17:00 or 08:00-12:00, 13:00-17:00; "
                "24:00 ends the day; empty: closed.",
                "fields": [
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                ],
            },
        ),
    ]
    inlines = [HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(QualityManagerAdmin):
    list_display = [
        "name",
        "severity",
        "touchpoint",
        "customer_size",
        "acknowledge_within",
        "resolve_within",
        "active",
    ]
    list_filter = ["severity", "active", "touchpoint"]
