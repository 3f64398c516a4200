from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from vocloop.listening.links import tracking_url
from vocloop.listening.ratelimit import public_post_allowed
from vocloop.notifications.models import Unsubscribe
from vocloop.notifications.unsubscribe import unsubscribe_email
from vocloop.notifications.updates import (
    UpdatesLinkRefused,
    updates_link_subscription,
    updates_subscription_confirm,
)


# Mail clients send the one-click POST (RFC 8058) without any cookie or CSRF token:
# the signed token is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    email = unsubscribe_email(token)
    if email is None:
        raise Http404("Unknown unsubscribe link")
    done = request.method == "POST"
    if done:
        Unsubscribe.objects.get_or_create(email=email)
    return render(
        request, "notifications/unsubscribe.html", {"email": email, "done": done, "token": token}
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def updates_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page a confirmation link opens: a button, which confirms (a GET changes nothing)."""
    template = "notifications/updates_confirm.html"
    status = 200
    context: dict[str, object] = {"token": token}
    decision = public_post_allowed(request) if request.method == "POST" else None
    try:
        if decision is not None and not decision.allowed:
            raise UpdatesLinkRefused(
                "We have received many requests from your connection in a short time. "
                "Please follow the link again in a few minutes.",
                status=429,
            )
        if request.method == "POST":
            subscription = updates_subscription_confirm(token=token)
            context["done"] = True
        else:
            subscription = updates_link_subscription(token)
    except UpdatesLinkRefused as refusal:
        context |= {"refusal": str(refusal), "rate_limited": refusal.status == 429}
        status = refusal.status
    else:
        context |= {
            "subscription": subscription,
            "reference": subscription.feedback.reference,
            "tracking_url": tracking_url(subscription.feedback),
        }
    response = render(request, template, context, status=status)
    if decision is not None and not decision.allowed:
        response["Retry-After"] = str(decision.retry_after)
    return response
