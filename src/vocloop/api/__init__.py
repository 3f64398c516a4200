"""The JSON API, /api/v1/, documented by OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI, Router

from vocloop.api import cases, customers, directory, feedback, improvement, metrics
from vocloop.api.auth import ApiTokenAuth
from vocloop.api.errors import ApiError, ErrorOut, install_error_handlers

DESCRIPTION = """\
Send feedback into vocloop from other systems and work on the cases it opens.

**Authentication.** Every endpoint needs an API token, created by an administrator
on the server with `vocloop apitoken create --name NAME --scope SCOPE …`. Send it as
`Authorization: Bearer <token>`. A missing, unknown, revoked or expired token is
answered with 401 (an expired one saying when it expired).

**Scopes.** A token may do what the scopes chosen at its creation allow; each
operation names the one it needs (its description and `x-required-scope`; the list is
in the security scheme). A token without it is answered 403, naming the scope, with
`WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`.

**Reach.** An integration's token reaches every case; one created to act for a person
(`--acts-for USERNAME`) reaches only the cases that person sees in the inbox, and one
tied to a team (`--team SLUG`) only that team's cases, objectives and actions, and
sends feedback only at the touch points the team owns. Any other case, objective or
action is answered as unknown (404). Metrics are the organisation's figures, as the
dashboards show every member of staff.

**Rate limit.** Each token may make `VOCLOOP_API_RATE_LIMIT` requests a minute (600
unless the server says otherwise); past it, 429 with a `Retry-After` header saying
after how many seconds the next minute starts.

**Errors.** Every error answer has the same shape:

    {"detail": "A sentence saying what is wrong.",
     "errors": {"field": "What is wrong with this field."}}

`detail` is always present; `errors` is present when particular fields are at
fault, named by their path in the request (`customer.email`, `score`, `limit`).
Status codes: 400 the body is not JSON; 401 authentication; 403 the token lacks the
operation's scope, or writes for a team (or at a touch point) beyond its reach;
404 no such case, metric, objective or action; 409 the case's state does not allow
the change; 413 the body is too large; 422 the input is not acceptable (missing,
unknown or out-of-range fields); 429 the token's rate limit; 500 our fault, logged
on the server; 503 the database is busy or restarting for a moment (a `Retry-After`
header says after how many seconds to try again): nothing was stored.

**Retries.** `POST /feedback` honours an `Idempotency-Key` header: see there.
"""

api = NinjaAPI(
    title="vocloop API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ApiTokenAuth(),
    # The docs page loads Swagger UI from ninja's static files when "ninja" is an
    # installed app and from a CDN otherwise; vocloop makes no requests to the
    # network, so without the local copy there is only the OpenAPI document.
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
)
install_error_handlers(api)
api.add_router("", feedback.router)
api.add_router("", cases.router)
api.add_router("", directory.router)
api.add_router("", metrics.router)
api.add_router("", improvement.router)
api.add_router("", customers.router)

# Registered last: Django tries the URLs in order, so this only answers for
# paths nothing else claims, in the API's JSON shape rather than an HTML page.
_unknown = Router()


@_unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:rest}",
    auth=None,
    include_in_schema=False,
    response={404: ErrorOut},
)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise ApiError(404, f"There is no API endpoint /api/v1/{rest}.")


api.add_router("", _unknown)
