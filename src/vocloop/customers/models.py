from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Customer(models.Model):
    """Someone who gave feedback; known by an external id, an email, or neither."""

    class Size(models.TextChoices):
        SMALL = "small", "Small (1–49)"
        MEDIUM = "medium", "Medium (50–499)"
        LARGE = "large", "Large (500–4,999)"
        ENTERPRISE = "enterprise", "Enterprise (5,000+)"

    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=20, choices=Size.choices, blank=True)
    region = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # False while all vocloop knows of them was typed into a public form by whoever sent
    # it: an integration's (verified) details then replace the name (customers/services.py).
    details_verified = models.BooleanField(default=True)
    # Set when the customer's data was erased (customers.erasure): the row stays, emptied,
    # so that their feedback and cases keep counting where they always did.
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email="") & models.Q(external_id__isnull=True),
                name="customer_unique_email_without_external_id",
            )
        ]

    def __str__(self) -> str:
        if self.erased_at is not None:
            return f"Erased customer {self.pk}"
        return self.name or self.email or self.external_id or f"Customer {self.pk}"

    @property
    def segment(self) -> str:
        return " · ".join(p for p in (self.industry, self.get_size_display(), self.region) if p)


class Erasure(models.Model):
    """That a customer's data was erased: who did it, when, and how much went — never what.

    `customer_number` is the erased customer's id (its emptied row stays); nothing here
    names or describes them.
    """

    customer_number = models.PositiveBigIntegerField(db_index=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who, in words that outlive the account: a username, "command line", "API: crm".
    erased_by_label = models.CharField(max_length=150)
    erased_at = models.DateTimeField(default=timezone.now)
    # How many rows of each kind were emptied or deleted (customers.erasure.ErasureCounts).
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Customer {self.customer_number} erased {self.erased_at:%Y-%m-%d %H:%M}"
