"""Staff log in with Django's own view, made to say when the database is too busy for it, to
answer 429 when the failed-login limits pause it, and to ask for a second factor's code
after the password when the member has one; and their account page, where they set
that second factor up."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from vocloop.accounts import twofactor
from vocloop.accounts.forms import CodeForm, ThrottledLoginForm, refused_answer
from vocloop.accounts.throttle import login_failure_record, login_refusal
from vocloop.lib.busy import DatabaseBusy, busy_answer, refused_when_busy
from vocloop.limits.clients import client_address
from vocloop.limits.counters import CountsUnavailable

BUSY_LOGIN = (
    "You could not be logged in just now because the system is busy: nothing was changed. "
    "Please log in again in a moment."
)
# The session key of a login whose password was right and whose code is still to come.
PENDING = "vocloop_login_pending"
# How long after the password the code may come.
PENDING_SECONDS = 300
WRONG_CODE = "That is not the code your app shows now. Type the current one."


class StaffLoginView(LoginView):
    """A login the database is too busy for (the session is a write) answers 503; one the
    failed-login limits refuse (throttle.py), 429.

    The form comes back with the username, never the password, and says why.
    """

    form_class = ThrottledLoginForm

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if twofactor.totp_device_of(user) is None:
            return super().form_valid(form)
        # Not logged in yet: the code comes first (login_code).
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login_code")

    def form_invalid(self, form: Any) -> HttpResponse:
        return refused_answer(super().form_invalid(form), form)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            with refused_when_busy():
                return super().post(request, *args, **kwargs)
        except (DatabaseBusy, CountsUnavailable) as busy:
            # Without its counts of failed logins a login could be guessed at without limit.
            # Unbound, with the username: a bound form would check the password again.
            username = request.POST.get("username", "")
            context = self.get_context_data(
                form=self.get_form_class()(request, initial={"username": username}),
                busy=BUSY_LOGIN,
                busy_kept="Your username is still in the form: type your password again.",
            )
            return busy_answer(request, self.render_to_response(context), busy)


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pending.get("user") or 0, is_active=True).first()
    return (user, pending) if user is not None else None


@require_http_methods(["GET", "HEAD", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the code from the member's authenticator app."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING, None)
        messages.info(request, "Please log in again: the code is asked for after the password.")
        return redirect("login")
    user, pending = found
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "registration/login_code.html", {"form": form})
    try:
        return _login_code_check(request, form, user=user, pending=pending)
    except CountsUnavailable as away:
        context = {"form": CodeForm(), "refused": BUSY_LOGIN}
        page = render(request, "registration/login_code.html", context)
        return busy_answer(request, page, away)


def _login_code_check(
    request: HttpRequest, form: CodeForm, *, user: Any, pending: dict[str, Any]
) -> HttpResponse:
    client = client_address(request)
    refusal = login_refusal(client=client, username=user.get_username())
    if refusal is not None:
        context = {"form": CodeForm(), "refused": refusal.message}
        page = render(request, "registration/login_code.html", context, status=429)
        page["Retry-After"] = str(refusal.retry_after)
        return page
    if form.is_valid():
        device = twofactor.totp_login_check(user=user, code=form.cleaned_data["code"])
        if device is not None:
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        login_failure_record(client=client, username=user.get_username())
        form.add_error("code", WRONG_CODE)
    return render(request, "registration/login_code.html", {"form": form}, status=400)


def _next_page(request: HttpRequest) -> str:
    """Where the account page sends its member on, once a second factor is set up."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target != reverse("account") else ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The member's own account: their second factor, turned on or off."""
    user = request.user
    assert user.is_authenticated  # login_required
    form = CodeForm(request.POST or None)
    next_page = _next_page(request)
    required = twofactor.two_step_login_required()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            twofactor.totp_enrolment_start(user=user)
            query = f"?{urlencode({'next': next_page})}" if next_page else ""
            return redirect(reverse("account") + query)
        if action == "confirm" and form.is_valid():
            device = twofactor.totp_enrolment_confirm(user=user, code=form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)  # this session gave its code
                messages.success(request, "Two-step login is on: each login now asks for a code.")
                return redirect(next_page or "account")
            form.add_error("code", WRONG_CODE)
        elif action == "remove" and not required and form.is_valid():
            if twofactor.totp_remove(user=user, code=form.cleaned_data["code"]):
                messages.success(request, "Two-step login is off: a login asks for the password.")
                return redirect("account")
            form.add_error("code", WRONG_CODE)
        elif action not in ("confirm", "remove"):
            form.add_error(None, "Choose one of the buttons on this page.")
        status = 400
    device = twofactor.totp_device_of(user)
    enrolling = None if device is not None else twofactor.totp_enrolment_of(user)
    context = {
        "device": device,
        "enrolling": enrolling,
        "qr_svg": twofactor.totp_qr_svg(enrolling) if enrolling else "",
        "secret": twofactor.totp_secret_text(enrolling) if enrolling else "",
        "form": form,
        "required": required,
        "next": next_page,
    }
    return render(request, "accounts/account.html", context, status=status)
