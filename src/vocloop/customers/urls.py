from django.urls import path

from vocloop.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customers, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/export.json", views.customer_export_json, name="export"),
    path("<int:pk>/erase/", views.customer_erase_confirm, name="erase"),
]
