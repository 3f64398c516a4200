from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who read what: case pages, unmasked texts, drill-downs to the comments behind a
    figure, and exports — kept for a quality manager to search and export."""

    name = "vocloop.audit"
