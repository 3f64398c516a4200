from __future__ import annotations

from django.db import IntegrityError, transaction

from vocloop.customers.models import Customer


def customer_identify(
    *, external_id: str = "", name: str = "", email: str = "", verified: bool = True
) -> Customer | None:
    """The customer these details name, created on first sight; None when anonymous.

    An external id is the integration's own key and wins; otherwise the email
    (case-insensitive) identifies the customer. A name alone identifies nobody.
    Unverified details (typed into a public form) never change a known customer, and a
    customer first seen through them keeps them only until verified details (an
    integration's) arrive: then the name they were given is replaced, not kept.
    """
    external_id, name, email = external_id.strip(), name.strip(), email.strip()
    if external_id:
        customer, created = _get_or_create(
            external_id=external_id,
            defaults={"name": name, "email": email, "details_verified": verified},
        )
    elif email:
        existing = Customer.objects.filter(email__iexact=email, external_id__isnull=True).first()
        if existing is not None:
            customer, created = existing, False
        else:
            customer, created = _get_or_create(
                email__iexact=email,
                external_id=None,
                defaults={"name": name, "email": email, "details_verified": verified},
            )
    else:
        return None
    if not created and verified:
        changed = []
        if name and (not customer.name or not customer.details_verified):
            customer.name = name
            changed.append("name")
        if email and not customer.email:
            customer.email = email
            changed.append("email")
        if not customer.details_verified:
            customer.details_verified = True
            changed.append("details_verified")
        if changed:
            customer.save(update_fields=changed)
    return customer


def _get_or_create(**lookup: object) -> tuple[Customer, bool]:
    # Two submissions from the same new customer may race; the unique constraint
    # decides and the loser reads the winner's row.
    defaults = lookup.pop("defaults")
    try:
        with transaction.atomic():
            return Customer.objects.get_or_create(defaults=defaults, **lookup)  # type: ignore[arg-type]
    except IntegrityError:
        return Customer.objects.get(**lookup), False
