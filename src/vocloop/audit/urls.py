from django.urls import path

from vocloop.audit import views

app_name = "audit"
urlpatterns = [path("", views.reads, name="reads")]
