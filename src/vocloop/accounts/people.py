"""How staff are named where other people read it."""

from typing import Any


def display_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())
