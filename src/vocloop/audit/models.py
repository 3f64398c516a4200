from __future__ import annotations

from django.conf import settings
from django.db import models


class Read(models.Model):
    """One read of customers' data by a person or an API token.

    `who` keeps the reader's name as it was, so the entry still says who read when the
    account is gone; `what` names the thing read (a case's reference, a metric and the
    period drilled into, an export's file), never its content.
    """

    class Kind(models.TextChoices):
        CASE = "case", "Case opened"
        REVEAL = "reveal", "Unmasked text revealed"
        DRILL = "drill", "Drill-down to comments"
        THEME = "theme", "Theme's comments"
        EXPORT = "export", "Export"
        CUSTOMER = "customer", "Customer's data"
        API = "api", "API read"

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    who = models.CharField(max_length=200)
    what = models.CharField(max_length=200, db_index=True)
    path = models.CharField(max_length=500)
    address = models.CharField(max_length=100, blank=True, help_text="Where the read came from.")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["who", "at"], name="audit_read_who_at")]

    def __str__(self) -> str:
        return f"{self.who} · {self.get_kind_display()} · {self.what}"
