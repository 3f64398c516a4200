import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from vocloop.server.health import health_read

logger = logging.getLogger(__name__)


@csrf_exempt  # GET only: a POST is refused with 405, not with the CSRF page
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors, without a login: 200 when healthy, 503 when not."""
    try:
        report = health_read()
        body, healthy = report.as_json(), report.healthy
    except Exception:  # a monitor must get an answer it can read, never a 500 page
        logger.exception("The health check failed")
        body = {"status": "failing", "problems": ["the health check failed: see the server log"]}
        healthy = False
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
