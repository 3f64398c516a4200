"""Headers every answer carries: what a browser may load for a page, and what it may keep.

Content-Security-Policy: a page runs scripts and styles from vocloop's own files only
(its vendored htmx and stylesheet), never inline; images from itself or data: URLs
(the charts are inline SVG with presentation attributes, which no policy governs); no
plugins, no <base>, no framing, and forms post to vocloop only. An injected tag or
attribute that slipped past escaping would run nothing.

Cache-Control: no-store on the staff side and the API, whose answers hold customers'
names and words: neither the browser's disk nor a proxy between keeps a copy. The
customer's own tracking pages say so themselves; static files stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PRIVATE_PATHS = ("/staff/", "/admin/", "/api/", "/login/", "/logout/")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith(PRIVATE_PATHS):
            patch_cache_control(response, no_store=True)
        return response
