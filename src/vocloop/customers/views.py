"""The staff pages of a customer's data: finding a customer, reading everything held about
them, downloading it as JSON, and erasing it.

Quality managers find any customer, download and erase. Other staff reach a customer's
page from a case they may see, and read there the feedback and cases within their reach
only (customers.export with their scope).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from vocloop.accounts.decorators import quality_managers_only
from vocloop.accounts.roles import is_quality_manager
from vocloop.accounts.scope import case_scope
from vocloop.cases.models import Status
from vocloop.customers.erasure import ErasureRefused, customer_erase, customer_erase_preview
from vocloop.customers.export import customer_export
from vocloop.customers.models import Customer, Erasure
from vocloop.customers.selectors import customer_visible, customers_search
from vocloop.listening.models import Feedback

ERASURES_LISTED = 20


DATA_REFUSED = "Only quality managers may export or erase a customer's data."


class EraseForm(forms.Form):
    understood = forms.BooleanField(
        label="I understand that the text cannot be brought back.",
        error_messages={"required": "Tick the box to confirm the erasure."},
    )


@quality_managers_only(
    "The customers' data is searched, exported and erased by quality managers; reach a "
    "customer's page from one of their cases."
)
@require_safe
def customers(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    context = {
        "query": query,
        "found": customers_search(query) if query.strip() else [],
        "erasures": Erasure.objects.select_related("erased_by")[:ERASURES_LISTED],
    }
    return render(request, "customers/customers.html", context)


@login_required
@require_safe
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    manager = is_quality_manager(request.user)
    scope = case_scope(request.user)
    if not manager and not customer_visible(customer, scope):
        raise Http404("No such customer.")
    data = customer_export(customer, scope=None if manager else scope)
    context = {
        "customer": customer,
        "data": data,
        "manager": manager,
        "full": manager,
        "statuses": dict(Status.choices),
        "kinds": dict(Feedback.Kind.choices),
    }
    return render(request, "customers/customer.html", context)


@quality_managers_only(DATA_REFUSED)
@require_safe
def customer_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    text = json.dumps(customer_export(customer), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@quality_managers_only(DATA_REFUSED)
@require_http_methods(["GET", "POST"])
def customer_erase_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    if customer.erased_at is not None:
        messages.info(request, f"Customer {customer.pk}'s data was erased already.")
        return redirect("customers:detail", pk=customer.pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            summary = customer_erase(customer=customer, actor=request.user)
        except ErasureRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Erased customer {customer.pk}'s data: {summary.said()}.")
        return redirect("customers:detail", pk=customer.pk)
    context = {"customer": customer, "preview": customer_erase_preview(customer), "form": form}
    return render(request, "customers/erase.html", context, status=400 if form.is_bound else 200)
