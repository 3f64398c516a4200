"""Staff log in with Django's own view, made to say when the database is too busy for it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse

from vocloop.accounts.forms import ThrottledLoginForm, refused_answer
from vocloop.lib.busy import DatabaseBusy, busy_answer, refused_when_busy

BUSY_LOGIN = (
    "You could not be logged in just now because the system is busy: nothing was changed. "
    "Please log in again in a moment."
)


class StaffLoginView(LoginView):
    """A login the database is too busy for (the session is a write) answers 503; one the
    failed-login limits refuse (throttle.py), 429.

    The form comes back with the username, never the password, and says why.
    """

    form_class = ThrottledLoginForm

    def form_invalid(self, form: Any) -> HttpResponse:
        return refused_answer(super().form_invalid(form), form)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            with refused_when_busy():
                return super().post(request, *args, **kwargs)
        except DatabaseBusy as busy:
            # Unbound, with the username: a bound form would check the password again.
            username = request.POST.get("username", "")
            context = self.get_context_data(
                form=self.get_form_class()(request, initial={"username": username}),
                busy=BUSY_LOGIN,
                busy_kept="Your username is still in the form: type your password again.",
            )
            return busy_answer(request, self.render_to_response(context), busy)
