from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from vocloop.admin_site import QualityManagerAdmin, ReadOnlyAdmin
from vocloop.customers.models import Customer, Erasure


@admin.register(Customer)
class CustomerAdmin(QualityManagerAdmin):
    """Customers are never deleted here: deleting one would leave their feedback, messages
    and emails behind, and take their feedback out of no figure. Erasing their data
    (customers.erasure) removes what is theirs everywhere and keeps every figure."""

    list_display = ["__str__", "email", "external_id", "industry", "size", "region"]
    list_filter = ["size", "industry", "region"]
    search_fields = ["name", "email", "external_id"]
    readonly_fields = ["their_data", "erased_at"]

    @admin.display(description="Their data")
    def their_data(self, customer: Customer) -> str:
        if customer.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Everything held about them: export as JSON, or erase it</a>',
            reverse("customers:detail", args=[customer.pk]),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.erased_at is not None:
            return False  # an erased customer's record stays empty
        return super().has_change_permission(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        messages.info(
            request,
            "Customers are not deleted: erasing their data removes it everywhere "
            "(feedback comments, case messages, emails) while every figure stays.",
        )
        if not object_id.isdigit():
            return redirect("customers:list")
        return redirect("customers:erase", pk=int(object_id))


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    """The record of erasures: who erased which customer number, and when."""

    list_display = ["erased_at", "customer_number", "erased_by_label"]
