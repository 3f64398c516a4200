"""Form input that is not text: refused with a 400 before any view reads it.

Django decodes a form's fields with the charset the client names. A multipart form
that claims `charset=raw-unicode-escape` (or another codec that can spell one) hands
a view a lone UTF-16 surrogate, which no database and no UTF-8 page can hold: the
save would fail with a 500. URL-encoded forms and query strings are always read as
UTF-8 with bad bytes replaced, so only this door needs minding, but every field,
key and file name of every request is checked alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.datastructures import MultiValueDict

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
REFUSAL = (
    "The form sent text that is not valid Unicode (a lone UTF-16 surrogate). "
    "Nothing was stored; send the form as UTF-8 text."
)


def is_text(value: str) -> bool:
    """Whether `value` can be stored and shown: only a lone surrogate cannot be UTF-8."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _texts(data: MultiValueDict[str, Any]) -> Iterable[str]:
    for key, values in data.lists():
        yield key
        for value in values:
            # An uploaded file's name was decoded like the fields; its bytes are its own.
            text = value if isinstance(value, str) else getattr(value, "name", None)
            if isinstance(text, str):
                yield text


class TextInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        parts: list[MultiValueDict[str, Any]] = [request.GET]
        # Only a form body is read here: the API reads its JSON body itself.
        if request.method == "POST" and request.content_type in FORM_TYPES:
            parts += [request.POST, request.FILES]
        if not all(is_text(text) for part in parts for text in _texts(part)):
            return HttpResponseBadRequest(REFUSAL, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
