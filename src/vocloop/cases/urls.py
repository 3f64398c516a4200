from django.urls import path

from vocloop.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("cases/<str:reference>/", views.case_detail, name="detail"),
    path("cases/<str:reference>/assign/", views.assign, name="assign"),
    path("cases/<str:reference>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("cases/<str:reference>/reply/", views.reply, name="reply"),
    path("cases/<str:reference>/note/", views.note, name="note"),
    path("cases/<str:reference>/severity/", views.set_severity, name="severity"),
    path("cases/<str:reference>/wait/", views.wait_on_customer, name="wait_on_customer"),
    path("cases/<str:reference>/resolve/", views.resolve, name="resolve"),
    path("cases/<str:reference>/reopen/", views.reopen, name="reopen"),
]
