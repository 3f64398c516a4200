from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from vocloop.accounts.views import StaffLoginView, account, login_code
from vocloop.api import api
from vocloop.lib.references import ReferenceConverter
from vocloop.server.views import health

# Before the apps' URLs are read: case and feedback pages are found by reference.
register_converter(ReferenceConverter, "reference")

urlpatterns = [
    # Asked for by browsers on pages that name no icon (the admin, the API's JSON).
    path("favicon.ico", RedirectView.as_view(url=static("vocloop/favicon.ico"))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("health/", health, name="health"),
    path("login/", StaffLoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/account/", account, name="account"),
    path("staff/dashboards/", include("vocloop.dashboards.urls")),
    path("staff/insights/", include("vocloop.insights.urls")),
    path("staff/improvement/", include("vocloop.improvement.urls")),
    path("staff/audit/", include("vocloop.audit.urls")),
    path("staff/customers/", include("vocloop.customers.urls")),
    path("staff/", include("vocloop.cases.urls")),
    path("", include("vocloop.notifications.urls")),
    path("", include("vocloop.public.urls")),
    path("", RedirectView.as_view(pattern_name="public:feedback"), name="home"),
]

handler404 = "vocloop.server.errors.not_found"
handler500 = "vocloop.server.errors.server_error"
