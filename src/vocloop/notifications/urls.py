from django.urls import path

from vocloop.notifications import views

app_name = "notifications"
urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("updates/<str:token>/", views.updates_confirm, name="updates_confirm"),
]
