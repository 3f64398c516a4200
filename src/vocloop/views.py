from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.defaults import page_not_found


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Staff keep their menu and a way back to the inbox; customers get the public page.
    staff = request.path.startswith("/staff/")
    template = "staff/404.html" if staff else "404.html"
    return page_not_found(request, exception, template_name=template)
