"""Argument types shared by vocloop's own commands."""

from argparse import ArgumentTypeError


def whole_int(value: str) -> int:
    """0, 1, 2 …"""
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise ArgumentTypeError("must be 0 or more")
    return number


def positive_int(value: str) -> int:
    number = whole_int(value)
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number
