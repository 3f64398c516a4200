from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "vocloop.public"
    verbose_name = "The customer's pages"
