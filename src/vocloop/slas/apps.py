from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import connections


def sqlite_can_claim(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Escalations are claimed with INSERT … ON CONFLICT … RETURNING: SQLite 3.35 or newer."""
    errors: list[checks.CheckMessage] = []
    for connection in connections.all():
        if connection.vendor == "sqlite":
            import sqlite3

            if sqlite3.sqlite_version_info < (3, 35):
                errors.append(
                    checks.Error(
                        f"SQLite {sqlite3.sqlite_version} is too old for vocloop's SLA "
                        "escalations; 3.35 or newer is needed (or use PostgreSQL).",
                        id="vocloop.E001",
                    )
                )
    return errors


class SlasConfig(AppConfig):
    name = "vocloop.slas"
    verbose_name = "SLAs"

    def ready(self) -> None:
        checks.register(sqlite_can_claim)
