"""Finding a customer: by the id or external id a person or an integration gives."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vocloop.accounts.scope import CaseScope
from vocloop.customers.models import Customer

ID_PREFIX = "id:"
EXTERNAL_PREFIX = "external:"


class CustomerNotFound(LookupError):
    """No customer, or more than one, answers to the identifier. The message says which."""


def customer_find(identifier: str) -> Customer:
    """The customer named by `identifier`: their id (a number) or their external id.

    A number that is one customer's id and another's external id is ambiguous and refused;
    "id:42" or "external:42" then says which is meant.
    """
    value = identifier.strip()
    if value.startswith(ID_PREFIX):
        return _by_id(value.removeprefix(ID_PREFIX).strip())
    if value.startswith(EXTERNAL_PREFIX):
        return _by_external_id(value.removeprefix(EXTERNAL_PREFIX).strip())
    if not value:
        raise CustomerNotFound("Give a customer's id or external id.")
    external = Customer.objects.filter(external_id=value).first()
    by_id = Customer.objects.filter(pk=int(value)).first() if _is_id(value) else None
    if external is not None and by_id is not None and external != by_id:
        raise CustomerNotFound(
            f"“{value}” is customer {by_id.pk}'s id and customer {external.pk}'s external id: "
            f"say which with “{ID_PREFIX}{value}” or “{EXTERNAL_PREFIX}{value}”."
        )
    found = external or by_id
    if found is None:
        raise CustomerNotFound(f"No customer has the id or external id “{value}”.")
    return found


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18


def _by_id(value: str) -> Customer:
    found = Customer.objects.filter(pk=int(value)).first() if _is_id(value) else None
    if found is None:
        raise CustomerNotFound(f"No customer has the id “{value}”.")
    return found


def _by_external_id(value: str) -> Customer:
    found = Customer.objects.filter(external_id=value).first() if value else None
    if found is None:
        raise CustomerNotFound(f"No customer has the external id “{value}”.")
    return found


def customers_search(query: str, *, limit: int = 50) -> QuerySet[Customer]:
    """Customers whose name, email or external id contains the query (quality managers)."""
    query = query.strip()
    found = Customer.objects.filter(erased_at__isnull=True)
    if query:
        found = found.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(external_id__icontains=query)
            | (Q(pk=int(query)) if _is_id(query) else Q(pk__in=[]))
        )
    return found.order_by("name", "email", "pk")[:limit]


def customer_visible(customer: Customer, scope: CaseScope) -> bool:
    """Whether a staff member may open the customer's page: quality managers and team leads
    always, others when they may see one of the customer's cases."""
    if scope.sees_all:
        return True
    return scope.cases().filter(Q(customer=customer) | Q(feedback__customer=customer)).exists()
