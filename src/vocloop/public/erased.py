"""A tracking link of feedback whose customer's data was erased: it answers 410 Gone, with a
page that says so, for every page and form of the link (customers.erasure)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class FeedbackErased(Exception):
    """The tracking link's feedback belongs to a customer whose data was erased."""


def gone_once_erased(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except FeedbackErased:
            return render(request, "public/erased.html", status=410)

    return answered
