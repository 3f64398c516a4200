"""How vocloop writes a number of things in its messages."""


def counted(n: int, one: str, many: str = "") -> str:
    """ "1 row", "2 rows", "1,000 pieces of feedback" (`many` when "s" will not do)."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
