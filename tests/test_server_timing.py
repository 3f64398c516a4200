"""Every response says how long the server took, for browsers, proxies and benchmarks."""

from __future__ import annotations

import re
from typing import Any


def test_every_response_carries_its_server_time(client: Any, db: Any) -> None:
    for url in ("/feedback/", "/login/", "/api/v1/openapi.json", "/no-such-page/"):
        timing = client.get(url)["Server-Timing"]
        match = re.fullmatch(r"app;dur=(\d+\.\d\d)", timing)
        assert match is not None, (url, timing)
        assert 0 < float(match.group(1)) < 60_000
