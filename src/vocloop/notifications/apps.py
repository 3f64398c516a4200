from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "vocloop.notifications"
