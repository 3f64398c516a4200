"""The `vocloop` command: Django's manage.py for the installed package."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    from vocloop.config import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        sys.stderr.write(f"vocloop: configuration error: {exc}\n")
        sys.exit(2)
    except DatabaseError as exc:
        if not _not_set_up(exc):
            raise
        sys.stderr.write(_not_set_up_message())
        sys.exit(2)


def _not_set_up(exc: Exception) -> bool:
    text = str(exc)
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _not_set_up_message() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    where = database["NAME"] if "sqlite" in str(database["ENGINE"]) else database.get("HOST")
    return (
        f"vocloop: the database ({where}) has no vocloop tables yet.\n"
        "Run `vocloop migrate` first — or point VOCLOOP_DATA_DIR / VOCLOOP_DATABASE_URL "
        "at the database you meant (`make demo` keeps its data in .data/).\n"
    )


if __name__ == "__main__":
    main()
