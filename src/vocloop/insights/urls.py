from django.urls import path

from vocloop.insights import learning_views, views, vocabulary_views

app_name = "insights"
urlpatterns = [
    path("", views.themes, name="themes"),
    path("themes/new/", views.theme_edit, name="theme_new"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme"),
    path("themes/<slug:slug>/edit/", views.theme_edit, name="theme_edit"),
    path("discover/", views.discover, name="discover"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("feedback/<reference:reference>/correct/", views.correct, name="correct"),
    path("feedback/<reference:reference>/similar/", views.similar, name="similar"),
    path("models/", learning_views.models, name="models"),
    path("settings/", views.text_settings, name="settings"),
    path("sentiment/", vocabulary_views.vocabulary, name="vocabulary"),
]
