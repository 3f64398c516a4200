from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from vocloop.server.selectors import worker_state


def worker(request: HttpRequest) -> dict[str, Any]:
    """Whether a worker runs, read only by the pages that show it (staff pages): one query."""
    return {"worker_state": SimpleLazyObject(worker_state)}
