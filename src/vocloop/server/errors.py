"""The pages Django shows when a request fails: a refused form, a page not found, a fault."""

import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.defaults import page_not_found

from vocloop.lib.busy import busy_page, database_busy, is_staff_page


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Staff keep their menu and a way back to the inbox; customers get the public page.
    staff = request.path.startswith("/staff/")
    template = "staff/404.html" if staff else "404.html"
    return page_not_found(request, exception, template_name=template)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, made without the database or the context processors: either may be why.

    A busy database met outside a view (a middleware's write) is still a 503.
    """
    error = sys.exc_info()[1]
    if error is not None and database_busy(error):
        return busy_page(request, error)
    context = {"organisation_name": settings.ORGANISATION_NAME, "staff": is_staff_page(request)}
    return HttpResponseServerError(loader.render_to_string("500.html", context))
