from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from vocloop.notifications.models import Unsubscribe
from vocloop.notifications.unsubscribe import unsubscribe_email


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
