"""The server's log: a refused request in one line, a fault with its traceback."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse

from tests.conftest import Org
from tests.staff_pages import logged_in

pytestmark = pytest.mark.django_db


def test_a_refused_request_is_one_line_and_a_fault_keeps_its_traceback(org: Org) -> None:
    from vocloop.server.logs import ClientErrorsBrief

    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.addFilter(ClientErrorsBrief())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        refused = logged_in(org.support_agent).post(reverse("insights:discover"))
        assert refused.status_code == 403
        try:
            raise RuntimeError("a fault")
        except RuntimeError:
            logger.error("Internal Server Error", exc_info=True, extra={"status_code": 500})
    finally:
        logger.removeHandler(handler)
    log = written.getvalue()
    assert "Forbidden" in log and "PermissionDenied" not in log
    assert "Traceback" in log and "RuntimeError: a fault" in log
