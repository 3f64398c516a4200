"""How vocloop writes a number of things in its messages and pages."""


def number(n: int | float) -> str:
    """ "1,515": every count vocloop shows has its thousands separated, on a page or in a log."""
    return f"{n:,}"


def counted(n: int, one: str, many: str = "") -> str:
    """ "1 row", "2 rows", "1,000 pieces of feedback" (`many` when "s" will not do)."""
    return f"{number(n)} {one if n == 1 else many or one + 's'}"
