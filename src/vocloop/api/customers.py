"""A customer's data: exported, or erased (GDPR art. 15 and 17).

`{customer_id}` is the customer's id or their external id, as `vocloop customers`
takes it; `id:42` or `external:42` says which when a number could be either.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vocloop.accounts import roles
from vocloop.accounts.models import ApiScope, ApiToken
from vocloop.accounts.scope import token_scope
from vocloop.api.auth import ApiRouter, requires_scope, token_of
from vocloop.api.errors import ApiError, ErrorOut
from vocloop.customers.erasure import ErasureRefused, customer_erase
from vocloop.customers.export import customer_export
from vocloop.customers.models import Customer
from vocloop.customers.selectors import CustomerNotFound, customer_find

router = ApiRouter(tags=["customers"])


def _customer(identifier: str) -> Customer:
    try:
        return customer_find(identifier)
    except CustomerNotFound as exc:
        raise ApiError(404, str(exc)) from exc


def _may_erase(token: ApiToken) -> bool:
    """An erasure is the organisation's act: an integration's token, or one acting for a
    quality manager; never one confined to a team or to a person who is not."""
    if token.team_id is not None:
        return False
    return token.acts_for is None or roles.is_quality_manager(token.acts_for)


@router.get(
    "/customers/{customer_id}/export",
    response={200: dict[str, Any], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="customer_export",
    auth=requires_scope(ApiScope.CUSTOMERS_READ),
    summary="Export everything vocloop holds about a customer",
    description="The customer's record, feedback, cases with their public timeline, "
    "messages, emails, consents and identity claims, in the shape documented in "
    "customers/export.py. A token confined to a person or a team gets the part it reaches.",
)
def customer_export_read(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    customer = _customer(customer_id)
    scope = token_scope(token_of(request))
    return customer_export(customer, scope=None if scope.sees_all else scope)


@router.post(
    "/customers/{customer_id}/erase",
    response={200: dict[str, Any], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    operation_id="customer_erase",
    auth=requires_scope(ApiScope.CUSTOMERS_ERASE),
    summary="Erase a customer's personal data and free text, keeping every figure",
    description="Irreversible. Answers how many rows of each kind were erased; 409 if "
    "the customer was erased already.",
)
def customer_erase_create(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    token = token_of(request)
    if not _may_erase(token):
        raise ApiError(
            403,
            "Only an integration's token, or one acting for a quality manager, may erase "
            "a customer.",
        )
    customer = _customer(customer_id)
    try:
        summary = customer_erase(
            customer=customer, actor=token.acts_for, actor_label=f"API: {token.name}"
        )
    except ErasureRefused as exc:
        raise ApiError(409, str(exc)) from exc
    return {
        "customer": summary.erasure.customer_number,
        "erased_at": summary.erasure.erased_at,
        "counts": summary.counts,
    }
