from django.apps import AppConfig


class RetentionConfig(AppConfig):
    """How long vocloop keeps what customers wrote and the records of its own work, and the
    nightly purge that empties or deletes what is older."""

    name = "vocloop.retention"
