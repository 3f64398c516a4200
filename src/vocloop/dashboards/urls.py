from django.urls import path

from vocloop.dashboards import metric_views, root_cause_views, views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("journey/", views.journey, name="journey"),
    path("teams/", views.teams, name="teams"),
    path("teams/<slug:slug>/people/", views.team_people, name="team_people"),
    path("root-causes/", root_cause_views.root_causes, name="root_causes"),
    path("metrics/", metric_views.metric_index, name="metrics"),
    path("metrics/<slug:metric>/", metric_views.metric_detail, name="metric"),
]
