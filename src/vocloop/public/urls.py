"""The customer's pages; mounted at the site root, so every path here is public."""

from django.urls import path

from vocloop.public import views, you_said

app_name = "public"
urlpatterns = [
    path("s/<slug:slug>/", views.survey_answer, name="survey"),
    path("feedback/", views.feedback_give, name="feedback"),
    path("feedback/<slug:slug>/", views.feedback_give, name="feedback_for"),
    path("t/<slug:token>/", views.track, name="track"),
    path("t/<slug:token>/message/", views.track_message, name="track_message"),
    path("t/<slug:token>/verdict/", views.track_verdict, name="track_verdict"),
    path("t/<slug:token>/updates/", views.track_updates, name="track_updates"),
    path("t/<slug:token>/updates/stop/", views.track_updates_stop, name="track_updates_stop"),
    path("you-said-we-did/", you_said.you_said_we_did, name="you_said_we_did"),
]
