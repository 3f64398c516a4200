"""Reading a CSV file someone gave vocloop: the reasons it cannot be read, in their words."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


@contextmanager
def csv_opened(path: Path, error: type[Exception]) -> Iterator[TextIO]:
    """The file, open for the csv module (UTF-8, a byte-order mark allowed).

    Reading it raises `error` saying why the file cannot be read: missing, not UTF-8,
    or quoting the csv module cannot follow.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            yield handle
    except OSError as exc:
        raise error(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path} is not UTF-8 text ({exc.reason}): save it as UTF-8.") from exc
    except csv.Error as exc:
        raise error(f"{path} is not a readable CSV file: {exc}.") from exc
