"""The `vocloop` command: Django's manage.py for the installed package."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vocloop.settings")
    from django.core.management import execute_from_command_line

    from vocloop.config import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        sys.stderr.write(f"vocloop: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
