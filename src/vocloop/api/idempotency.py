"""Idempotency-Key: a client's retry gets the first answer instead of creating a second record.

The key is claimed (an IdempotencyRecord row, unique per token and key) in the
same transaction that does the work and stores the answer, so that either all
three are committed or none is: a crash cannot leave feedback without its record.
When two requests with one key arrive at once, the database's unique constraint
makes the second wait for the first and fail; it then reads and returns the
first one's answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from vocloop.accounts.models import ApiToken
from vocloop.api.errors import ApiError
from vocloop.listening.models import IdempotencyRecord

logger = logging.getLogger("vocloop.api")

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 200


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 of the request in canonical JSON: key order and spacing do not matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _earlier_record(token: ApiToken, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(token=token, key=key).first()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Answer:
    if record.request_hash != fingerprint:
        message = (
            f"The {HEADER} “{record.key}” was already used for a different request; "
            "send a new key with a new request."
        )
        raise ApiError(422, message, {HEADER: message})
    return Answer(status=record.status_code, body=record.response, replayed=True)


def answer_once(
    *, token: ApiToken, key: str | None, fingerprint: str, produce: Callable[[], Answer]
) -> Answer:
    """produce()'s answer, or, for a key this token has used before, the answer given then.

    produce() runs inside the transaction: if it raises, nothing is kept, not even
    the key, so a corrected retry with the same key is accepted.
    """
    with transaction.atomic():
        if key is None:
            return produce()
        earlier = _earlier_record(token, key)
        if earlier is not None:
            return _replay(earlier, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    token=token, key=key, request_hash=fingerprint, status_code=0, response={}
                )
        except IntegrityError:
            # A concurrent request with this key committed first (we waited on
            # its row): its answer is ours.
            logger.info("%s %r: answered by a concurrent request", HEADER, key)
            return _replay(IdempotencyRecord.objects.get(token=token, key=key), fingerprint)
        answer = produce()
        record.status_code = answer.status
        record.response = answer.body
        record.save(update_fields=["status_code", "response"])
        return answer
