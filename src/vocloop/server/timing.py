"""Server-Timing: how long vocloop took to answer, in every response's headers.

Browsers show it in their developer tools, proxies can log it, and the benchmarks
read it: it is the server's own time for a request, without the network or the
client. The first middleware, so that it times all the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - began) * 1000
        response["Server-Timing"] = f"app;dur={elapsed:.2f}"
        return response
