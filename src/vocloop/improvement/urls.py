from django.urls import path

from vocloop.improvement import action_views, export, raise_views, rapid_views, views

app_name = "improvement"
urlpatterns = [
    path("", views.actions, name="actions"),
    path("actions/new/", raise_views.action_new, name="action_new"),
    path("actions.csv", export.actions_csv, name="actions_csv"),
    path("actions/<int:pk>/", action_views.action_detail, name="action"),
    path("actions/<int:pk>/edit/", action_views.action_edit, name="action_edit"),
    path("actions/<int:pk>/advance/", action_views.action_advance, name="action_advance"),
    path("actions/<int:pk>/close/", action_views.action_close, name="action_close"),
    path("actions/<int:pk>/follow-up/", action_views.action_follow_up, name="action_follow_up"),
    path("actions/<int:pk>/public/", action_views.action_public_words, name="action_public"),
    path("actions/<int:pk>/tasks/", action_views.task_add, name="task_add"),
    path("actions/<int:pk>/tasks/<int:task_pk>/done/", action_views.task_done, name="task_done"),
    path("actions/<int:pk>/reply-all/", rapid_views.reply_all, name="reply_all"),
    path("actions/<int:pk>/resolve-all/", rapid_views.resolve_all, name="resolve_all"),
    path("cases/<reference:reference>/link/", rapid_views.case_link, name="case_link"),
    path("themes/<slug:slug>/link/", rapid_views.theme_link, name="theme_link"),
    path("similar/<reference:reference>/link/", rapid_views.similar_link, name="similar_link"),
    path("objectives/", views.objectives, name="objectives"),
    path("objectives.csv", export.objectives_csv, name="objectives_csv"),
    path("objectives/new/", views.objective_new, name="objective_new"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/review/", views.objective_review, name="objective_review"),
]
