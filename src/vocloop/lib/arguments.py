"""Argument types shared by vocloop's own commands."""

from argparse import ArgumentTypeError

MAX_DAYS_BACK = 36_500


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a whole number") from None


def whole_int(value: str) -> int:
    """0, 1, 2 …"""
    number = _int(value)
    if number < 0:
        raise ArgumentTypeError("must be 0 or more")
    return number


def positive_int(value: str) -> int:
    """1, 2, 3 …"""
    number = _int(value)
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number


def days_back(value: str) -> int:
    """A number of days to look back: 0 (all of them) up to a century."""
    number = whole_int(value)
    if number > MAX_DAYS_BACK:
        raise ArgumentTypeError(f"must be at most {MAX_DAYS_BACK:,} (0 for all)")
    return number
