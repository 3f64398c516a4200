from django.urls import path, register_converter

from vocloop.cases import views
from vocloop.lib.references import REFERENCE_PATTERN


class ReferenceConverter:
    """A case reference, VL-<year>-<number>: anything else is a 404 before any query."""

    regex = REFERENCE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")


app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("workload/", views.workload, name="workload"),
    path("cases/<reference:reference>/", views.case_detail, name="detail"),
    path("cases/<reference:reference>/assign/", views.assign, name="assign"),
    path("cases/<reference:reference>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("cases/<reference:reference>/reply/", views.reply, name="reply"),
    path("cases/<reference:reference>/note/", views.note, name="note"),
    path("cases/<reference:reference>/severity/", views.set_severity, name="severity"),
    path("cases/<reference:reference>/wait/", views.wait_on_customer, name="wait_on_customer"),
    path("cases/<reference:reference>/resolve/", views.resolve, name="resolve"),
    path("cases/<reference:reference>/reopen/", views.reopen, name="reopen"),
    path("cases/<reference:reference>/reveal/", views.reveal, name="reveal"),
]
