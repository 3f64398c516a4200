from django.urls import path

from vocloop.cases import views

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
