from django.contrib import admin

from vocloop.admin_site import QualityManagerAdmin
from vocloop.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(QualityManagerAdmin):
    list_display = ["__str__", "email", "external_id", "industry", "size", "region"]
    list_filter = ["size", "industry", "region"]
    search_fields = ["name", "email", "external_id"]
