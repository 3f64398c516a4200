"""`vocloop customers export|erase ID`: a customer's data, as JSON or erased for good."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vocloop.customers.erasure import (
    ErasurePreview,
    ErasureRefused,
    customer_erase,
    customer_erase_preview,
)
from vocloop.customers.export import customer_export
from vocloop.customers.models import Customer
from vocloop.customers.selectors import CustomerNotFound, customer_find
from vocloop.lib.words import counted

ID_HELP = (
    "The customer's id (the number on their staff page) or external id; "
    "“id:42” or “external:42” where a number could be either."
)


class Command(BaseCommand):
    help = "Export everything vocloop holds about a customer as JSON, or erase it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser(
            "export",
            help="Everything held about the customer as JSON (the shape is in "
            "customers/export.py), to stdout or a file.",
        )
        export.add_argument("id", help=ID_HELP)
        export.add_argument("--output", metavar="FILE", help="Write it to FILE, not stdout.")
        erase = actions.add_parser(
            "erase",
            help="Erase the customer's personal data and free text everywhere; every figure "
            "stays as it was. It cannot be undone.",
        )
        erase.add_argument("id", help=ID_HELP)
        erase.add_argument(
            "--yes", action="store_true", help="Erase without asking first (in scripts)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            customer = customer_find(options["id"])
        except CustomerNotFound as exc:
            raise CommandError(str(exc)) from exc
        if options["action"] == "export":
            self._export(customer, options.get("output"))
        else:
            self._erase(customer, confirmed=options["yes"])

    def _export(self, customer: Customer, output: str | None) -> None:
        text = json.dumps(customer_export(customer), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Could not write {output}: {exc.strerror or exc}.") from exc
        self.stderr.write(f"Wrote customer {customer.pk}'s data to {output}.")

    def _erase(self, customer: Customer, *, confirmed: bool) -> None:
        if customer.erased_at is not None:
            raise CommandError(f"Customer {customer.pk}'s data was erased already.")
        if not confirmed:
            self._confirm(customer_erase_preview(customer))
        try:
            summary = customer_erase(customer=customer, actor_label="command line")
        except ErasureRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Erased customer {customer.pk}: {summary.said()}.")

    def _confirm(self, preview: ErasurePreview) -> None:
        entries = counted(preview.timeline_entries, "entry", "entries")
        sent = counted(preview.notifications, "email or webhook call", "emails and webhook calls")
        what = (
            f"Erasing customer {preview.customer.pk} ({preview.customer}) empties their record, "
            f"{counted(preview.feedback, 'piece', 'pieces')} of feedback, "
            f"{counted(preview.cases, 'case')} with {entries} of text, and {sent}. "
            "The figures stay; the text cannot be brought back."
        )
        if not sys.stdin.isatty():
            raise CommandError(f"{what} Nothing was erased: add --yes to erase it.")
        answer = input(f"{what} Type yes to go on: ")
        if answer.strip().lower() != "yes":
            raise CommandError("Nothing was erased.")
