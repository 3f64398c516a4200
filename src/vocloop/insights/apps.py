from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Understanding what customers say: themes, sentiment, quality dimensions, similar feedback."""

    name = "vocloop.insights"
    default_auto_field = "django.db.models.BigAutoField"
