from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower


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
        return self.name or self.email or self.external_id or f"Customer {self.pk}"

    @property
    def segment(self) -> str:
        return " · ".join(p for p in (self.industry, self.get_size_display(), self.region) if p)
