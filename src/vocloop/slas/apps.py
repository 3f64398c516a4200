from django.apps import AppConfig


class SlasConfig(AppConfig):
    name = "vocloop.slas"
    verbose_name = "SLAs"
